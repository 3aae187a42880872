#include "sg_sign.h"
int sg_cmd_inspect(int argc, char **argv) { (void)argc; (void)argv; return sg_fail("todo"); }
