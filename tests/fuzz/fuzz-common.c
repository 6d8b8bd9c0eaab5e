// SPDX-License-Identifier: GPL-2.0
/*
 * The harnesses' common part: the report stream.  It is a duplicate of
 * file descriptor 2 taken before a harness silences the code under test,
 * so that a broken invariant is still said.
 */
#include <unistd.h>

#include "fuzz.h"

FILE *fuzz_report(void)
{
	static FILE *report;

	if (!report) {
		int fd = dup(2);

		report = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!report)
			report = stderr;
	}
	return report;
}
