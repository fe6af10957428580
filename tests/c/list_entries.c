/*
 * Print the name of every row of the interception table, one per line.
 * The export test (tests/bats/t0000-build.bats) compares this list with
 * the shim's dynamic symbol table, so a row that is not exported, or an
 * export that is not a row, fails the build's tests.
 */
#include <stdio.h>

#include "shim/shim.h"
#include "shim/intercept.h"

int main(void)
{
#define NC__PRINT_NAME(how, fb, fam, ret, name, params, args) puts(#name);
	NC_INTERCEPTS(NC__PRINT_NAME)
#undef NC__PRINT_NAME
	return 0;
}
