# The error wiki's templates and static files (data/wiki: .html, .css, .js), compiled into
# vpndiag_core as wiki_builtin_blobs[] (read by src/wiki/tmpl.c). cmake/embed.cmake does the work,
# as for the knowledge base. Included from the top-level CMakeLists.txt after vpndiag_core exists.
file(GLOB wiki_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/data/wiki/*.html
     ${CMAKE_SOURCE_DIR}/data/wiki/*.css ${CMAKE_SOURCE_DIR}/data/wiki/*.js)
list(SORT wiki_files)
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/wiki_builtin.c
  COMMAND ${CMAKE_COMMAND} -DOUT=${CMAKE_BINARY_DIR}/wiki_builtin.c -DTABLE=wiki_builtin
          "-DFILES=${wiki_files}" -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  DEPENDS ${wiki_files} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  COMMENT "Embedding data/wiki" VERBATIM)
target_sources(vpndiag_core PRIVATE ${CMAKE_BINARY_DIR}/wiki_builtin.c)
