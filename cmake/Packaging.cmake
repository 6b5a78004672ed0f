# Debian packages through CPack's DEB generator, split as Debian splits a library with tools:
#   throttlelab          the desktop app, throttlectl, throttle-worker, their workers, man
#                        pages, desktop file, icon and AppStream metainfo      (component app)
#   libthrottlelab0      the shared library and the helper process it starts (component runtime)
#   libthrottlelab-dev   header, unversioned link, CMake package, throttlelab.pc (component dev)
#   python3-throttlelab  the Python package and its examples                  (component python)
# Dependencies on other packages are computed by dpkg-shlibdeps from the ELF files; only the
# dependencies between these four are written here. Build them with scripts/build-packages.sh.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME throttlelab)
set(CPACK_PACKAGE_VENDOR "The ThrottleLab developers")
set(CPACK_PACKAGE_CONTACT "The ThrottleLab developers <maintainers@throttlelab.github.io>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
# The Debian revision: the first packaging of this upstream version.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL app runtime dev python)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A component's CPACK_COMPONENT_<C>_DEPENDS becomes "Depends: <package> (= version)".
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_APP_PACKAGE_NAME throttlelab)
set(CPACK_DEBIAN_APP_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_APP_DEPENDS runtime)
set(CPACK_DEBIAN_APP_DESCRIPTION "multi-process rate limiter: desktop app and command line
ThrottleLab rate-limits work across operating-system processes, shows it live
and lets you tune it while it runs: a throttle hands out permits at max_n per
per seconds, workers take one before each unit of work, and a monitor turns
what they did into statistics.
.
This package contains the desktop application (throttlelab), the command line
(throttlectl: run, inspect, set, stop, calibrate, bench, soak, batch jobs and
pipelines) and the worker (throttle-worker).")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libthrottlelab0)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# A shlibs file, so packages linking libthrottlelab.so get their dependency computed too.
# CPack has only the global switch; libthrottlelab0 is the one package with a shared library.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "multi-process rate limiter: shared library
ThrottleLab rate-limits work across operating-system processes: a throttle
hands out permits at max_n per per seconds and any process joins it by name.
.
This package contains libthrottlelab.so.0, the C interface (tl_* functions),
and the helper process that runs a throttle and its monitor.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libthrottlelab-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DEPENDS runtime)
set(CPACK_DEBIAN_DEV_DESCRIPTION "multi-process rate limiter: development files
ThrottleLab rate-limits work across operating-system processes: a throttle
hands out permits at max_n per per seconds and any process joins it by name.
.
This package contains the header (throttlelab.h), the CMake package
(find_package(ThrottleLab), target ThrottleLab::throttlelab), throttlelab.pc
for pkg-config and an example worker in C.")

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-throttlelab)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_ARCHITECTURE all)
set(CPACK_COMPONENT_PYTHON_DEPENDS runtime)
# ctypes loads the library at run time, which dpkg-shlibdeps cannot see; python3 neither.
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3")
set(CPACK_DEBIAN_PYTHON_DESCRIPTION "multi-process rate limiter: Python package
ThrottleLab rate-limits work across operating-system processes: a throttle
hands out permits at max_n per per seconds and any process joins it by name.
.
This package contains the Python package throttlelab, with mp_throttle's API
(import throttlelab as mp_throttle), and its tutorial.")

include(CPack)
