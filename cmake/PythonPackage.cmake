# The Python package (python/throttlelab: ctypes over libthrottlelab.so), installed where
# Debian's python3 looks for packaged modules. It learns where the library is from a small
# generated module (_install_layout.py): the library's path relative to the package's folder,
# so a moved prefix keeps working and no build-tree path is written into the install.
set(THROTTLELAB_INSTALL_PYTHONDIR "lib/python3/dist-packages" CACHE STRING
    "Where the Python package is installed, relative to the prefix (Debian's python3 path)")

throttlelab_relative_path(THROTTLELAB_LIBDIR_FROM_PYTHON_PACKAGE
                          "${THROTTLELAB_INSTALL_PYTHONDIR}/throttlelab" "${CMAKE_INSTALL_LIBDIR}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/python_install_layout.py.in
               ${CMAKE_BINARY_DIR}/python/_install_layout.py @ONLY)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/throttlelab
        DESTINATION ${THROTTLELAB_INSTALL_PYTHONDIR} COMPONENT python
        FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
install(FILES ${CMAKE_BINARY_DIR}/python/_install_layout.py
        DESTINATION ${THROTTLELAB_INSTALL_PYTHONDIR}/throttlelab COMPONENT python)
