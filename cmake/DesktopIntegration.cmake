# The desktop application's integration: one reverse-DNS desktop id names the .desktop file,
# the icon and the AppStream metainfo, so a software centre, the menu and the window manager
# all match them up. The metainfo's version and release date come from the top-level
# CMakeLists.txt.
set(THROTTLELAB_DESKTOP_ID io.github.throttlelab.ThrottleLab)
set(THROTTLELAB_DESKTOP_FILE ${PROJECT_SOURCE_DIR}/resources/${THROTTLELAB_DESKTOP_ID}.desktop)
set(THROTTLELAB_METAINFO_FILE ${CMAKE_BINARY_DIR}/share/metainfo/${THROTTLELAB_DESKTOP_ID}.metainfo.xml)
configure_file(${PROJECT_SOURCE_DIR}/resources/${THROTTLELAB_DESKTOP_ID}.metainfo.xml.in
               ${THROTTLELAB_METAINFO_FILE} @ONLY)

install(FILES ${THROTTLELAB_DESKTOP_FILE}
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/applications COMPONENT app)
install(FILES ${THROTTLELAB_METAINFO_FILE}
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/metainfo COMPONENT app)
# The icon is 64x64; hicolor files it by size under the desktop id.
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/throttlelab.png
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/64x64/apps
        RENAME ${THROTTLELAB_DESKTOP_ID}.png COMPONENT app)
