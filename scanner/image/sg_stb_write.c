/*
 * The one translation unit that compiles stb_image_write (PNG and JPEG
 * output, used by tools and tests). Kept apart from the decoder: its JPEG
 * writer left-shifts negative ints (stb_image_write.h v1.16, line 1263),
 * which UBSan reports, so this file alone is built without the shift
 * check (scanner/CMakeLists.txt); the decoder keeps every sanitizer.
 */
#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
