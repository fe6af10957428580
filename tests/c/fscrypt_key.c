/*
 * fscrypt-key: the key of an encrypted directory, for the coherence tests
 * (no Debian package in the test dependencies sets one up).
 *
 *   fscrypt-key add MNT          add the test key to MNT's filesystem
 *   fscrypt-key remove MNT       remove it (the directory locks again)
 *   fscrypt-key policy MNT DIR   add the key, encrypt empty directory DIR
 *
 * The key is a fixed 64-byte raw key and the policy a version-2 one
 * (<linux/fscrypt.h>): its identifier is the one the kernel computes
 * when the key is added.  Exit status 0, or 1 with one line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fscrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "fscrypt-key: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Add the test key to the filesystem of @fd; its identifier in @id. */
static int add_key(int fd, unsigned char id[FSCRYPT_KEY_IDENTIFIER_SIZE])
{
	struct {
		struct fscrypt_add_key_arg arg;
		unsigned char raw[FSCRYPT_MAX_KEY_SIZE];
	} k;

	memset(&k, 0, sizeof(k));
	k.arg.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
	k.arg.raw_size = FSCRYPT_MAX_KEY_SIZE;
	for (int i = 0; i < FSCRYPT_MAX_KEY_SIZE; i++)
		k.raw[i] = (unsigned char)(i * 7 + 1);
	if (ioctl(fd, FS_IOC_ADD_ENCRYPTION_KEY, &k.arg) != 0)
		return -1;
	memcpy(id, k.arg.key_spec.u.identifier, FSCRYPT_KEY_IDENTIFIER_SIZE);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char id[FSCRYPT_KEY_IDENTIFIER_SIZE];
	int fd;

	if (argc < 3 || (strcmp(argv[1], "policy") == 0) != (argc == 4)) {
		fprintf(stderr, "usage: fscrypt-key add|remove MNT | "
				"policy MNT DIR\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return die(argv[2]);
	if (add_key(fd, id) != 0)
		return die("FS_IOC_ADD_ENCRYPTION_KEY");
	if (strcmp(argv[1], "remove") == 0) {
		struct fscrypt_remove_key_arg r;

		memset(&r, 0, sizeof(r));
		r.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
		memcpy(r.key_spec.u.identifier, id, sizeof(id));
		if (ioctl(fd, FS_IOC_REMOVE_ENCRYPTION_KEY, &r) != 0)
			return die("FS_IOC_REMOVE_ENCRYPTION_KEY");
		if (r.removal_status_flags &
		    FSCRYPT_KEY_REMOVAL_STATUS_FLAG_FILES_BUSY) {
			fprintf(stderr, "fscrypt-key: files still in use: "
					"the key is not fully removed\n");
			return 1;
		}
	} else if (strcmp(argv[1], "policy") == 0) {
		struct fscrypt_policy_v2 p;
		int dfd = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0)
			return die(argv[3]);
		memset(&p, 0, sizeof(p));
		p.version = FSCRYPT_POLICY_V2;
		p.contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS;
		p.filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS;
		p.flags = FSCRYPT_POLICY_FLAGS_PAD_32;
		memcpy(p.master_key_identifier, id, sizeof(id));
		if (ioctl(dfd, FS_IOC_SET_ENCRYPTION_POLICY, &p) != 0)
			return die("FS_IOC_SET_ENCRYPTION_POLICY");
		close(dfd);
	} else if (strcmp(argv[1], "add") != 0) {
		fprintf(stderr, "fscrypt-key: unknown command %s\n", argv[1]);
		return 2;
	}
	close(fd);
	return 0;
}
