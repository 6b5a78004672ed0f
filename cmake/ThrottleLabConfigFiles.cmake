# What tells another project that libthrottlelab is installed: the exported CMake package
# (find_package(ThrottleLab) -> ThrottleLab::throttlelab, with a version file) and
# throttlelab.pc for pkg-config. Both are relocatable: they find the prefix from where they
# are installed. Included where the throttlelab_c target is defined.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(THROTTLELAB_CMAKE_PACKAGE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/ThrottleLab")
install(EXPORT ThrottleLabTargets NAMESPACE ThrottleLab::
        DESTINATION ${THROTTLELAB_CMAKE_PACKAGE_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ThrottleLabConfig.cmake.in
    ${CMAKE_BINARY_DIR}/package/ThrottleLabConfig.cmake
    INSTALL_DESTINATION ${THROTTLELAB_CMAKE_PACKAGE_DIR})
# Compatible within a major version, as the library's SOVERSION: the versioned structs keep
# programs built against an older 0.x header working with a newer 0.x library.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/package/ThrottleLabConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/package/ThrottleLabConfig.cmake
              ${CMAKE_BINARY_DIR}/package/ThrottleLabConfigVersion.cmake
        DESTINATION ${THROTTLELAB_CMAKE_PACKAGE_DIR} COMPONENT dev)

throttlelab_relative_path(THROTTLELAB_PREFIX_FROM_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" ".")
configure_file(${CMAKE_CURRENT_LIST_DIR}/throttlelab.pc.in ${CMAKE_BINARY_DIR}/package/throttlelab.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/package/throttlelab.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
