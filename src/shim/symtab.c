/*
 * Dynamic symbol lookup in a loaded object (see symtab.h).
 *
 * Everything read here is the object's own dynamic tables: mapped
 * read-only by the loader and never changed while the object is loaded,
 * so plain loads need no lock.  The loader has usually relocated the
 * dynamic section's addresses by the load bias already (glibc does, where
 * the section is writable); the vDSO's and read-only sections keep the
 * link-time offsets.  An address below the bias is an offset.
 */
#include <string.h>

#include "../common/util.h"
#include "symtab.h"

static uintptr_t dyn_addr(uintptr_t base, ElfW(Addr) p)
{
	return (uintptr_t)p < base ? base + (uintptr_t)p : (uintptr_t)p;
}

NC_START_TEXT int nc__symtab_init(struct nc__symtab *t, uintptr_t base,
				  const ElfW(Dyn) * dyn)
{
	memset(t, 0, sizeof(*t));
	t->base = base;
	if (!dyn)
		return -1;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = dyn_addr(base, dyn->d_un.d_ptr);

		switch (dyn->d_tag) {
		case DT_SYMTAB:
			t->sym = (const ElfW(Sym) *)p;
			break;
		case DT_STRTAB:
			t->str = (const char *)p;
			break;
		case DT_GNU_HASH:
			t->gnu = (const uint32_t *)p;
			break;
		case DT_HASH:
			t->sysv = (const uint32_t *)p;
			break;
		case DT_VERSYM:
			t->ver = (const ElfW(Versym) *)p;
			break;
		}
	}
	return t->sym && t->str && (t->gnu || t->sysv) ? 0 : -1;
}

NC_START_TEXT uint32_t nc__symtab_hash(const char *name)
{
	uint32_t h = 5381;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = h * 33 + *c;
	return h;
}

NC_START_TEXT static uint32_t sysv_hash(const char *name)
{
	uint32_t h = 0, g;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		h = (h << 4) + *c;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* The state of one lookup: the definitions seen so far. */
struct match {
	const ElfW(Sym) * found;     /* unversioned or base version: final */
	const ElfW(Sym) * versioned; /* the first visible versioned one */
	int versions;		     /* visible versioned definitions */
};

#define ALLOWED_STT                                                   \
	((1u << STT_NOTYPE) | (1u << STT_OBJECT) | (1u << STT_FUNC) | \
	 (1u << STT_COMMON) | (1u << STT_TLS) | (1u << STT_GNU_IFUNC))

/* Symbol @i, whose name hashed alike: 1 when the lookup is decided. */
NC_START_TEXT static int check(const struct nc__symtab *t, const char *name,
			       uint32_t i, struct match *m)
{
	const ElfW(Sym) *s = &t->sym[i];
	unsigned stt = ELF64_ST_TYPE(s->st_info);

	if (s->st_value == 0 && s->st_shndx != SHN_ABS && stt != STT_TLS)
		return 0;
	if (stt >= 32 || !((1u << stt) & ALLOWED_STT))
		return 0;
	if (strcmp(t->str + s->st_name, name) != 0)
		return 0;
	if (t->ver && (t->ver[i] & 0x7fff) >= 2) {
		/* A version of the name: hidden ones (name@VERS, kept for
		 * old binaries) are never what an unversioned lookup gets. */
		if (!(t->ver[i] & 0x8000) && m->versions++ == 0)
			m->versioned = s;
		return 0;
	}
	m->found = s;
	return 1;
}

NC_START_TEXT static void find_gnu(const struct nc__symtab *t, const char *name,
				   uint32_t hash, struct match *m)
{
	const uint32_t *h = t->gnu;
	uint32_t nbuckets = h[0], symbias = h[1], nwords = h[2], shift = h[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)&h[4];
	const uint32_t *buckets = (const uint32_t *)&bloom[nwords];
	const uint32_t *chain = &buckets[nbuckets];
	const unsigned bits = sizeof(ElfW(Addr)) * 8;
	ElfW(Addr) word;
	uint32_t i;

	if (!nbuckets || !nwords)
		return;
	word = bloom[(hash / bits) & (nwords - 1)];
	if (!((word >> (hash % bits)) & (word >> ((hash >> shift) % bits)) & 1))
		return;
	i = buckets[hash % nbuckets];
	if (i < symbias)
		return;
	for (;; i++) {
		uint32_t h2 = chain[i - symbias];

		if (((h2 ^ hash) >> 1) == 0 && check(t, name, i, m))
			return;
		if (h2 & 1)
			return;
	}
}

NC_START_TEXT static void find_sysv(const struct nc__symtab *t,
				    const char *name, struct match *m)
{
	uint32_t nbuckets = t->sysv[0], nchain = t->sysv[1];
	const uint32_t *buckets = &t->sysv[2], *chain = &buckets[nbuckets];

	if (!nbuckets)
		return;
	/* Bounded by the chain's length: a corrupt loop cannot spin. */
	for (uint32_t i = buckets[sysv_hash(name) % nbuckets], n = 0;
	     i != STN_UNDEF && i < nchain && n < nchain; i = chain[i], n++)
		if (check(t, name, i, m))
			return;
}

NC_START_TEXT int nc__symtab_find(const struct nc__symtab *t, const char *name,
				  uint32_t hash, void **addr)
{
	struct match m = {0};
	const ElfW(Sym) * s;
	unsigned bind;

	if (t->gnu)
		find_gnu(t, name, hash, &m);
	else if (t->sysv)
		find_sysv(t, name, &m);
	s = m.found ? m.found : m.versions == 1 ? m.versioned : NULL;
	if (!s)
		return 0;
	bind = ELF64_ST_BIND(s->st_info);
	if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
		return 0;
	*addr = (void *)(t->base + s->st_value);
	if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC ||
	    ELF64_ST_TYPE(s->st_info) == STT_TLS || s->st_shndx == SHN_ABS)
		return NC__SYMTAB_INDIRECT;
	return 1;
}
