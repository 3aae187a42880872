/*
 * The one translation unit that compiles stb_image (Debian's libstb-dev
 * header). Third-party code: built in its own target without our warning
 * set (see scanner/CMakeLists.txt), and only with the decoders stagegate
 * needs, so a hostile file cannot reach GIF, PSD, HDR or the other
 * parsers at all.
 */
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNM
#define STBI_NO_STDIO   /* sg_image reads files itself, with a size cap */
#define STBI_NO_LINEAR
#define STBI_NO_HDR
/* Belt and braces: sg_image checks the caller's limits first. */
#define STBI_MAX_DIMENSIONS 16384
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
