/*
 * Unit tests of the io_uring check (src/cache/uring.c), with real inotify,
 * epoll and mountinfo descriptors: quiet until something happens, events
 * and drains seen, and threads each with their own ring while another
 * thread changes the watched directory (run under ThreadSanitizer and
 * valgrind by `make check-tsan` and `make check-valgrind`).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cache/uring.h"
#include "harness.h"

static int same(int fd)
{
	return fd;
}

struct probe_fds {
	int ifd, efd, mfd;
	char dir[64];
};

/* An inotify instance watching a fresh directory, an epoll set holding
 * it, and a mountinfo descriptor. */
static void probe_open(struct probe_fds *p)
{
	struct epoll_event ev = {.events = EPOLLIN};

	snprintf(p->dir, sizeof(p->dir), "/tmp/nc-uring.XXXXXX");
	CHECK(mkdtemp(p->dir) ? 0 : -1);
	p->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(p->ifd);
	CHECK(inotify_add_watch(p->ifd, p->dir, IN_CREATE | IN_DELETE));
	p->efd = epoll_create1(EPOLL_CLOEXEC);
	CHECK(p->efd);
	CHECK(epoll_ctl(p->efd, EPOLL_CTL_ADD, p->ifd, &ev));
	p->mfd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	CHECK(p->mfd);
}

static void probe_close(struct probe_fds *p)
{
	close(p->efd);
	close(p->mfd);
	close(p->ifd);
	rmdir(p->dir);
}

static void drain(int ifd)
{
	char buf[4096];

	while (read(ifd, buf, sizeof(buf)) > 0)
		;
}

static int check(struct nc__ring *r, const uint32_t *seq, int *queue)
{
	static const uint32_t hseq;
	int mount = 0;

	*queue = 0;
	return nc__ring_check(r, seq, &hseq, 0, &mount, queue);
}

/* A walk that passed the hot instance (@hot) or not. */
static int check2(struct nc__ring *r, const uint32_t *seq, const uint32_t *hseq,
		  int hot, int *queue)
{
	int mount = 0;

	*queue = 0;
	return nc__ring_check(r, seq, hseq, hot, &mount, queue);
}

/*
 * Two instances in one probe (the daemon's cold and hot queues, epoll tags
 * 1 and 4): events queued on the hot one alone put in doubt the walks that
 * passed it, and no other, by the fast path as by the slow one; its drain
 * sequence matters to those walks alone.
 */
TEST(hot_queue_concerns_hot_walks_only)
{
	struct nc__ring r = NC_RING_INIT;
	struct probe_fds p;
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 4};
	uint32_t seq = 0, hseq = 0;
	char hdir[64], f[96];
	int mount = 0, queue, hfd;

	probe_open(&p);
	snprintf(hdir, sizeof(hdir), "/tmp/nc-uring-hot.XXXXXX");
	CHECK(mkdtemp(hdir) ? 0 : -1);
	hfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(hfd);
	CHECK(inotify_add_watch(hfd, hdir, IN_CREATE | IN_DELETE));
	CHECK(epoll_ctl(p.efd, EPOLL_CTL_ADD, hfd, &ev));
	if (nc__ring_open(&r, p.efd, p.mfd, same, &mount) < 0) {
		close(hfd);
		rmdir(hdir);
		probe_close(&p);
		printf("# io_uring refused here (%s): nothing to test\n",
		       strerror(errno));
		return;
	}
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 0);
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 0);
	/* A change in the hot directory. */
	snprintf(f, sizeof(f), "%s/f", hdir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 1);
	ASSERT_EQ(queue, 2);
	/* Cold walks: not in doubt, and then from the fast path. */
	ASSERT_EQ(check2(&r, &seq, &hseq, 0, &queue), 0);
	ASSERT_EQ(r.trusted, 1);
	ASSERT_EQ(r.hot_clean, 0);
	ASSERT_EQ(check2(&r, &seq, &hseq, 0, &queue), 0);
	ASSERT_EQ(queue, 0);
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 1);
	/* Drained: hot walks trust again.  A hot drain sequence that moves
	 * concerns hot walks only. */
	drain(hfd);
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 0);
	hseq += 2;
	ASSERT_EQ(check2(&r, &seq, &hseq, 0, &queue), 0);
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 0); /* new snapshot */
	ASSERT_EQ(r.hseq, hseq);
	/* A cold change concerns both. */
	unlink(f);
	snprintf(f, sizeof(f), "%s/g", p.dir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	ASSERT_EQ(check2(&r, &seq, &hseq, 0, &queue), 1);
	ASSERT_EQ(queue & 1, 1);
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 1);
	drain(p.ifd);
	drain(hfd);
	ASSERT_EQ(check2(&r, &seq, &hseq, 1, &queue), 0);
	unlink(f);
	nc__ring_close(&r);
	close(hfd);
	rmdir(hdir);
	probe_close(&p);
}

TEST(quiet_events_and_drains)
{
	struct nc__ring r = NC_RING_INIT;
	struct probe_fds p;
	uint32_t seq = 0;
	char f[96];
	int mount = 0, queue;

	probe_open(&p);
	if (nc__ring_open(&r, p.efd, p.mfd, same, &mount) < 0) {
		probe_close(&p);
		printf("# io_uring refused here (%s): nothing to test\n",
		       strerror(errno));
		return;
	}
	ASSERT_EQ(mount, 0);
	/* First check: the slow path, quiet; then the fast path. */
	ASSERT_EQ(check(&r, &seq, &queue), 0);
	ASSERT_EQ(r.trusted, 1);
	ASSERT_EQ(check(&r, &seq, &queue), 0);
	/* A change: seen, until drained. */
	snprintf(f, sizeof(f), "%s/f", p.dir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	ASSERT_EQ(check(&r, &seq, &queue), 1);
	ASSERT_EQ(queue, 1);
	ASSERT_EQ(check(&r, &seq, &queue), 1);
	drain(p.ifd);
	ASSERT_EQ(check(&r, &seq, &queue), 0);
	ASSERT_EQ(check(&r, &seq, &queue), 0);
	/* A drain by someone else (the sequence moved): not trusted. */
	seq += 2;
	ASSERT_EQ(r.trusted, 1);
	ASSERT_EQ(check(&r, &seq, &queue), 0); /* slow path, new snapshot */
	ASSERT_EQ(r.seq, seq);
	/* A drain running (odd): quiet, but no snapshot to trust. */
	seq++;
	ASSERT_EQ(check(&r, &seq, &queue), 0);
	ASSERT_EQ(r.trusted, 0);
	seq++;
	unlink(f);
	ASSERT_EQ(check(&r, &seq, &queue), 1);
	drain(p.ifd);
	ASSERT_EQ(check(&r, &seq, &queue), 0);
	nc__ring_close(&r);
	ASSERT_EQ(r.fd, -1);
	probe_close(&p);
}

/* Threads, each with its own ring on its own probe of one directory,
 * check while another thread creates and removes entries: after every
 * change they are told (the change returned before they looked). */
#define THREADS 3
#define ROUNDS 300

static struct probe_fds shared_dir;
static volatile int round_no;
static int told[THREADS];   /* rounds whose change the check reported */
static int looked[THREADS]; /* rounds checked */
static int ready;	    /* checkers watching, with a ring */

static void *checker(void *arg)
{
	int me = (int)(long)arg;
	struct nc__ring r = NC_RING_INIT;
	struct epoll_event ev = {.events = EPOLLIN};
	uint32_t seq = 0;
	int mount = 0, queue, seen = -1;
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int efd = epoll_create1(EPOLL_CLOEXEC);
	int mfd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (ifd < 0 || efd < 0 || mfd < 0 ||
	    inotify_add_watch(ifd, shared_dir.dir, IN_CREATE | IN_DELETE) < 0 ||
	    epoll_ctl(efd, EPOLL_CTL_ADD, ifd, &ev) < 0 ||
	    nc__ring_open(&r, efd, mfd, same, &mount) < 0) {
		__atomic_store_n(&looked[me], ROUNDS, __ATOMIC_RELEASE);
		__atomic_fetch_add(&ready, 1, __ATOMIC_ACQ_REL);
		return (void *)1;
	}
	while (check(&r, &seq, &queue) != 0)
		drain(ifd);
	__atomic_fetch_add(&ready, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		int n = __atomic_load_n(&round_no, __ATOMIC_ACQUIRE);

		if (n >= ROUNDS)
			break;
		if (n == seen)
			continue;
		/* Round n's change has returned: the check must say so. */
		if (check(&r, &seq, &queue) == 1 && queue)
			__atomic_fetch_add(&told[me], 1, __ATOMIC_RELAXED);
		drain(ifd);
		while (check(&r, &seq, &queue) != 0)
			drain(ifd);
		seen = n;
		__atomic_store_n(&looked[me], n + 1, __ATOMIC_RELEASE);
	}
	nc__ring_close(&r);
	close(efd);
	close(mfd);
	close(ifd);
	return NULL;
}

TEST(threads_each_told_of_every_change)
{
	pthread_t t[THREADS];
	struct nc__ring probe = NC_RING_INIT;
	struct probe_fds p;
	char f[96];
	int mount = 0;

	probe_open(&p);
	if (nc__ring_open(&probe, p.efd, p.mfd, same, &mount) < 0) {
		probe_close(&p);
		printf("# io_uring refused here: nothing to test\n");
		return;
	}
	nc__ring_close(&probe);
	shared_dir = p;
	snprintf(f, sizeof(f), "%s/f", p.dir);
	round_no = -1;
	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, checker, (void *)i));
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < THREADS)
		usleep(1000);
	for (int n = 0; n < ROUNDS; n++) {
		if (n & 1)
			unlink(f);
		else
			close(open(f, O_CREAT | O_WRONLY, 0644));
		__atomic_store_n(&round_no, n, __ATOMIC_RELEASE);
		/* Wait until every checker has looked at this round. */
		for (int i = 0; i < THREADS; i++)
			while (__atomic_load_n(&looked[i], __ATOMIC_ACQUIRE) <
			       n + 1)
				usleep(50);
	}
	__atomic_store_n(&round_no, ROUNDS, __ATOMIC_RELEASE);
	for (int i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		ASSERT(ret == NULL);
		ASSERT_EQ(told[i], ROUNDS);
	}
	unlink(f);
	probe_close(&p);
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
