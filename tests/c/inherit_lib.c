/*
 * A library a test's own LD_PRELOAD names (tests/mk/inherit.mk builds it
 * as inherit_liba.so and inherit_libb.so): it does nothing but load, so
 * that inherit_prog show can list it among the loaded objects.
 */
int inherit_lib_marker(void);

int inherit_lib_marker(void)
{
	return 1;
}
