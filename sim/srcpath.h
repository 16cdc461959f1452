// SPDX-License-Identifier: GPL-2.0-only
/*
 * Source locations in messages.  __FILE__ is the path the compiler was given, relative to
 * the build directory; messages show it from the project's top directory instead, so that
 * they read the same whichever directory the tree was built in.
 */
#ifndef KPSIM_SIM_SRCPATH_H
#define KPSIM_SIM_SRCPATH_H

/* "../src/model/6274de4/kprobes.c" -> "model/6274de4/kprobes.c"; a path with no
 * top-level directory of the project in it is returned as it is. */
const char *sim_source_path(const char *file);

#endif
