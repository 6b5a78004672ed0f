# Two generated headers, each behind an INTERFACE target that adds their folder:
#   throttlelab_version         the project's version (throttlelab_version.h)
#   throttlelab_install_layout  where an install puts the helpers (throttlelab_install_layout.h)
include(GNUInstallDirs)

# The helpers and workers that users do not run by hand live in their own folder, as Debian
# does for programs that are only started by other programs.
set(THROTTLELAB_INSTALL_HELPERDIR "${CMAKE_INSTALL_LIBEXECDIR}/throttlelab")

# Relative paths between install folders, computed under a stand-in root so that absolute
# and relative GNUInstallDirs values both work.
function(throttlelab_relative_path out from to)
    foreach(var from to)
        if(IS_ABSOLUTE "${${var}}")
            set(${var}_abs "${${var}}")
        else()
            set(${var}_abs "/prefix/${${var}}")
        endif()
    endforeach()
    file(RELATIVE_PATH rel "${from_abs}" "${to_abs}")
    string(REGEX REPLACE "/$" "" rel "${rel}")
    set(${out} "${rel}" PARENT_SCOPE)
endfunction()
throttlelab_relative_path(THROTTLELAB_HELPERS_FROM_BINDIR
                          "${CMAKE_INSTALL_BINDIR}" "${THROTTLELAB_INSTALL_HELPERDIR}")
throttlelab_relative_path(THROTTLELAB_BINDIR_FROM_HELPERS
                          "${THROTTLELAB_INSTALL_HELPERDIR}" "${CMAKE_INSTALL_BINDIR}")
throttlelab_relative_path(THROTTLELAB_HELPERS_FROM_LIBDIR
                          "${CMAKE_INSTALL_LIBDIR}" "${THROTTLELAB_INSTALL_HELPERDIR}")

set(THROTTLELAB_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
configure_file(${CMAKE_CURRENT_LIST_DIR}/throttlelab_version.h.in
               ${THROTTLELAB_GENERATED_DIR}/version/throttlelab_version.h @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/throttlelab_install_layout.h.in
               ${THROTTLELAB_GENERATED_DIR}/layout/throttlelab_install_layout.h @ONLY)

add_library(throttlelab_version INTERFACE)
target_include_directories(throttlelab_version INTERFACE ${THROTTLELAB_GENERATED_DIR}/version)
add_library(throttlelab_install_layout INTERFACE)
target_include_directories(throttlelab_install_layout
                           INTERFACE ${THROTTLELAB_GENERATED_DIR}/layout)
