/* `run` in the foreground: forwards signals to the init, relays its
 * terminal, and returns its exit status (128+N when killed by signal N). */
#ifndef HULL_WAITER_H
#define HULL_WAITER_H

#include <signal.h>

#include "lifecycle.h"

struct hull_waiter {
	sigset_t blocked;	/* the signals we forward, blocked since before create */
	sigset_t old;
};

/* Makes the caller a child subreaper (PR_SET_CHILD_SUBREAPER): orphans of
 * the container's come to it, and hull_waiter_run reaps them. */
int hull_waiter_subreaper(struct hull_err *err);

int hull_waiter_block_signals(struct hull_waiter *w, struct hull_err *err);

/* Returns the exit status or a negative errno with err set. */
int hull_waiter_run(struct hull_waiter *w, const struct hull_created *init, struct hull_err *err);

#endif
