/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz harnesses share: the libFuzzer entry points and an
 * assertion that says which invariant broke, then aborts so that libFuzzer
 * keeps the input as a crash.
 */
#ifndef SMARTBMS_FUZZ_H
#define SMARTBMS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Where the harnesses report: a copy of the standard error of the start. */
FILE *fuzz_report(void);

#define FUZZ_ASSERT(cond)							\
	do {									\
		if (!(cond)) {							\
			fprintf(fuzz_report(), "%s:%d: invariant broken: %s\n",	\
				__FILE__, __LINE__, #cond);			\
			fflush(fuzz_report());					\
			abort();						\
		}								\
	} while (0)

#endif /* SMARTBMS_FUZZ_H */
