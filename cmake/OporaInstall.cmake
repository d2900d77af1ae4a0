# Install the library, the public headers (plus the generated version and FFI
# headers), the CMake package and the pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS opora EXPORT opora-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/opora/opora.h
              ${PROJECT_BINARY_DIR}/generated/include/opora/opora_version.h
              ${PROJECT_BINARY_DIR}/generated/include/opora/opora.ffi.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/opora)

set(OPORA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/opora)
install(EXPORT opora-targets NAMESPACE opora:: DESTINATION ${OPORA_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/opora-config.cmake.in
  ${PROJECT_BINARY_DIR}/opora-config.cmake INSTALL_DESTINATION ${OPORA_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/opora-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/opora-config.cmake ${PROJECT_BINARY_DIR}/opora-config-version.cmake
        DESTINATION ${OPORA_CMAKE_DIR})

# opora.pc finds its prefix relative to itself, so the install can move:
# from <prefix>/<libdir>/pkgconfig back up to <prefix>.
file(RELATIVE_PATH OPORA_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" OPORA_PC_TO_PREFIX "${OPORA_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/opora.pc.in ${PROJECT_BINARY_DIR}/opora.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/opora.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
