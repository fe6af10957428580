/*
 * An empty shared library: preloaded beside the plain run of a short
 * command, it measures what loading any library with LD_PRELOAD costs
 * (the dynamic loader opens, maps and relocates it), the floor under
 * namecache's own start-up.
 */
int nc_bench_empty(void);

int nc_bench_empty(void)
{
	return 0;
}
