#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A kpsim fuzz campaign split into N shards that GNU parallel runs on the hosts given,
# then merged into one findings directory (docs/scaling.md).
#
#   tools/scaling/parallel-fuzz.sh [-S LOGINS] [-n SHARDS] [-j JOBS] OUT FUZZ-OPTION...
#
#   -S LOGINS  GNU parallel's --sshlogin: ':' this machine (the default), or for example
#              '4/build1,4/build2,:' (four jobs on each of two hosts, and this machine)
#   -n SHARDS  how many shards (default 4); give a --runs budget, not only --time, for
#              the shards to do together exactly the runs of one campaign
#   -j JOBS    shards run at once per host (default: as many as it has cores)
#   OUT        the merged findings directory (it may hold findings already)
#
# Every host needs kpsim ($KPSIM, default `kpsim` on the PATH) and, for remote hosts,
# ssh without a password and rsync.  Shard K writes OUT.shards/shard-K (relative to the
# login directory on a remote host); parallel copies the directory back (--return) and
# deletes the remote copy (--cleanup).  Run again with the same arguments, each shard
# resumes from its state and the merge takes what is new.
#
# Exit status: 0 merged; 1 a shard failed (not merely found failures: kpsim fuzz
# exits 1 then, which counts as success here) or the merge failed; 2 bad usage.
set -eu

logins=:
shards=4
jobs=
while getopts S:n:j: opt; do
	case $opt in
	S) logins=$OPTARG ;;
	n) shards=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	echo "usage: $0 [-S LOGINS] [-n SHARDS] [-j JOBS] OUT FUZZ-OPTION..." >&2
	exit 2
fi
out=$1
shift
kpsim=${KPSIM:-kpsim}
dir=$out.shards
mkdir -p "$dir"

# parallel's options and the command go before the fuzz options, in the positional
# parameters (the only list a POSIX shell has), so that any of them may hold spaces.
set -- "$kpsim" fuzz "$@"
if [ -n "$jobs" ]; then
	set -- --jobs "$jobs" "$@"
fi
# Remote shards write under the login directory: parallel copies each back and removes
# it there.  (On this machine alone there is nothing to copy.)
if [ "$logins" != : ]; then
	set -- --return "$dir/shard-{}" --cleanup "$@"
fi
# -q: the fuzz options reach kpsim as they were given.  --tag prefixes each line of
# output with its shard.  kpsim fuzz exits with 1 when it found failures, which
# parallel counts as a failed job: the job log tells them apart.
parallel -q --sshlogin "$logins" --tag --joblog "$dir/joblog" \
	"$@" --shard "{}/$shards" --out "$dir/shard-{}" \
	::: $(seq 0 $((shards - 1))) || true
# The job log's columns: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command.
if ! awk -F'\t' -v n="$shards" 'NR > 1 { jobs++; if ($7 > 1 || $8 != 0) bad = 1 }
	END { exit bad || jobs != n }' "$dir/joblog"; then
	echo "$0: a shard failed (see $dir/joblog)" >&2
	exit 1
fi

set --
for k in $(seq 0 $((shards - 1))); do
	set -- "$@" "$dir/shard-$k"
done
"$kpsim" fuzz merge "$out" "$@"
