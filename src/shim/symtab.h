/*
 * A loaded object's dynamic symbol table, read the way the dynamic loader
 * reads it for dlsym(), without the loader's lock and without malloc.
 *
 * The shim needs the next definition of each function it wraps.  dlsym()
 * finds it but takes the loader's lock and allocates its error message
 * when a name is missing: not something a wrapper may do on its first
 * call from a signal handler, and 134 lookups (about 110,000 instructions)
 * are too much for a constructor that every process runs.  The tables
 * are read-only once the object is loaded and stay mapped while it is, so
 * reading them needs no lock; the caller finds them once (symtab_init,
 * from dl_iterate_phdr) and may then look names up from anywhere,
 * including a signal handler.
 *
 * nc__symtab_find() applies the rules of glibc's check_match() for an
 * unversioned lookup by dlsym (DL_LOOKUP_RETURN_NEWEST): undefined and
 * local symbols are skipped; a symbol of version index 0 or 1 is taken at
 * once; of the versioned definitions, hidden ones (a compatibility
 * version, name@VERS) are skipped, and a single visible one is taken.
 * tests/c/unit_symtab.c checks every wrapped name against dlsym().
 */
#ifndef NC_SYMTAB_H
#define NC_SYMTAB_H

#include <elf.h>
#include <link.h>
#include <stdint.h>

struct nc__symtab {
	uintptr_t base; /* load bias: symbol values are relative to it */
	const ElfW(Sym) * sym;
	const char *str;
	const uint32_t *gnu;  /* DT_GNU_HASH, or NULL */
	const uint32_t *sysv; /* DT_HASH, or NULL */
	const ElfW(Versym) * ver;
};

/* Found, but its address is not the definition's own (an indirect
 * function, a thread-local or an absolute symbol): ask dlsym(). */
#define NC__SYMTAB_INDIRECT 2

/* Read the dynamic section @dyn of an object loaded at @base: 0, or -1
 * when it has no symbol or hash table (nothing can be looked up). */
int nc__symtab_init(struct nc__symtab *t, uintptr_t base,
		    const ElfW(Dyn) * dyn);

/* The GNU hash of @name (the one DT_GNU_HASH is built with). */
uint32_t nc__symtab_hash(const char *name);

/*
 * Look up @name (@hash its nc__symtab_hash) in @t: 1 and its address in
 * *@addr when found, NC__SYMTAB_INDIRECT when found but not a plain
 * address, 0 when @t does not define it.
 * Async-signal-safe.
 */
int nc__symtab_find(const struct nc__symtab *t, const char *name, uint32_t hash,
		    void **addr);

#endif /* NC_SYMTAB_H */
