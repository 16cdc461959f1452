#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The build step of a port variant (docs/porting.md): copy the files of the port (or
# variant) it is based on, apply the variant's patch to them, and write NAME.c, the one
# translation unit that compiles the result with the variant's own descriptor.
#
#   apply.sh PATCH BASE BASE_DIR OUT_C
#
# PATCH is model/variants/NAME.patch: a header of "Field: value" lines, then a unified
# diff with a/ and b/ prefixes against the base port's files.  BASE is the base's name as
# model/variants/meson.build gives it, which the header must repeat.  The patched files
# go to NAME.d/ beside OUT_C.  The patch must apply exactly (its context may have moved,
# never changed: no fuzz); when it does not, the build fails with PATCH:LINE naming each
# hunk that failed.
set -eu

patch_file=$1
base=$2
base_dir=$3
out_c=$4
name=$(basename "$out_c" .c)
out_dir=$(dirname "$out_c")
files_dir=$out_dir/$name.d

die() {
	printf '%s\n' "$*" >&2
	exit 1
}

# The header ends at the first line of the diff.
field() {
	awk -v f="$1" '
		/^(--- |diff |Index: )/ { exit }
		index($0, f ": ") == 1 { print substr($0, length(f) + 3); exit }
	' "$patch_file"
}

# A C string literal's contents.
c_string() {
	printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

[ -f "$patch_file" ] || die "$patch_file: no such file"
h_name=$(field Name)
h_base=$(field Base)
h_commit=$(field Commit)
h_title=$(field Title)
h_date=$(field Date)
[ "$h_name" = "$name" ] ||
	die "$patch_file:1: the header's Name is '$h_name', the file says '$name'"
[ "$h_base" = "$base" ] ||
	die "$patch_file:1: the header's Base is '$h_base', model/variants/meson.build says '$base'"
printf '%s' "$h_commit" | grep -Eq '^([0-9a-f]{12,40}|none)$' ||
	die "$patch_file:1: Commit must be a commit id of 12 to 40 hex digits, or none for a fix written here"
[ -n "$h_title" ] || die "$patch_file:1: no Title"
printf '%s' "$h_date" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' ||
	die "$patch_file:1: Date must be the author date as YYYY-MM-DD"

tmp=$files_dir.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$base_dir"/*.c "$base_dir"/*.h "$tmp"/
case $patch_file in
/*) abs_patch=$patch_file ;;
*) abs_patch=$(pwd)/$patch_file ;;
esac
if ! log=$(cd "$tmp" && LC_ALL=C patch -p1 --batch --forward --fuzz=0 \
	--no-backup-if-mismatch --reject-file=- -i "$abs_patch" 2>&1); then
	# patch(1) says "patching file F" then "Hunk #N FAILED at L." for each failure:
	# point at that hunk's @@ line in the patch.
	printf '%s\n' "$log" | awk -v pf="$patch_file" -v base="$base" '
		FNR == NR {
			if ($0 ~ /^\+\+\+ /) { f = $2; sub(/^b\//, "", f); n = 0 }
			else if ($0 ~ /^@@ /) { n++; at[f, n] = FNR; hdr[f, n] = $0 }
			next
		}
		/^patching file / { cur = $3 }
		/^Hunk #[0-9]+ FAILED/ {
			k = substr($2, 2) + 0
			printf "%s:%d: hunk %d of %s does not apply to %s: %s\n",
				pf, at[cur, k], k, cur, base, hdr[cur, k]
			failed = 1
		}
		/^can.t find file|No file to patch|Reversed .* patch detected|malformed patch|Only garbage/ {
			printf "%s: %s\n", pf, $0
			failed = 1
		}
		END { if (!failed) printf "%s: patch(1) failed\n", pf }
	' "$patch_file" - >&2
	printf '%s\n' "$log" | sed 's/^/  patch: /' >&2
	rm -rf "$tmp"
	exit 1
fi
rm -rf "$files_dir"
mv "$tmp" "$files_dir"

ident=$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_')
{
	printf '/* Made by model/variants/apply.sh from %s on %s: do not edit. */\n' \
		"$(basename "$patch_file")" "$base"
	printf '#define KP_VARIANT 1\n'
	printf '#include "%s.d/port.c"\n\n' "$name"
	printf 'const KpModel kp_model_variant_%s = {\n' "$ident"
	printf '\t.name = "%s",\n' "$(c_string "$name")"
	printf '\t.commit = "%s",\n' "$(c_string "$h_commit")"
	printf '\t.title = "%s",\n' "$(c_string "$h_title")"
	printf '\t.base = "%s",\n' "$(c_string "$base")"
	printf '\t.date = "%s",\n' "$(c_string "$h_date")"
	printf '\tKP_PORT_ENTRY_POINTS\n};\n'
} > "$out_c.tmp"
mv "$out_c.tmp" "$out_c"
