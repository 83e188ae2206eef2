#!/bin/sh
# What frecv promises about its output: status 0 means the target holds
# exactly the bytes sent, durably; 76 that it does but the sender could not
# be told; any other status that the target is as it was and nothing was
# left beside it.  Tried as users, scripts and daemons run it.  Each
# function is one CTest test (label "target"); exit 77 means skipped.
. "$(dirname "$0")/lib.sh"

# ---- closed descriptors, and stdout by any name ----------------------------

closed_stderr_keeps_the_meter_out_of_the_file() {
	serve_one 300000 -c 1K
	(cd "$T/recv" && timeout "$TO" "$FRECV_REAL" --progress -c 1K 127.0.0.1 "$PORT" >"$T/frecv.out" 2>&-)
	expect_status "frecv 2>&-" 0 $?
	same_file "$T/f" "$T/recv/receive.dat"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

closed_stdout_with_output_dash_is_refused() {
	serve_one 100000
	(cd "$T/recv" && timeout "$TO" "$FRECV" -o - 127.0.0.1 "$PORT" >&- 2>"$T/frecv.err")
	expect_status "frecv -o - >&-" 73 $?
	expect_output "$T/frecv.err" "frecv: standard output: Bad file descriptor"
	# It never connected (nothing went back to the server): fsend still
	# has its one transfer to make.
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

stdout_redirected_to_the_output_file_gets_no_messages() {
	# -o NAME >NAME: the file is replaced, so stdout would be its old copy;
	# every message, the digest line too, goes to stderr.
	for name in /dev/stdout out; do
		serve_one 100000
		want=$(sha256sum <"$T/f" | cut -c1-64)
		echo old >"$T/recv/out"
		(cd "$T/recv" && timeout "$TO" "$FRECV" --sha256 -o "$name" 127.0.0.1 "$PORT" \
			>out 2>"$T/frecv.err")
		expect_status "frecv --sha256 -o $name >out" 0 $?
		same_file "$T/f" "$T/recv/out"
		expect_output "$T/frecv.err" "$want  $name
received file data"
		wait_server fsend
		expect_status fsend 0 "$RC"
		rm -f "$T"/fsend.*
	done
}

stdout_open_only_for_reading_is_refused_before_connecting() {
	serve_one 100000
	echo precious >"$T/ro"
	(cd "$T/recv" && timeout "$TO" "$FRECV" -o - 127.0.0.1 "$PORT" 1<"$T/ro" 2>"$T/frecv.err")
	expect_status "frecv -o - 1<FILE" 73 $?
	expect_output "$T/frecv.err" "frecv: standard output: Bad file descriptor"
	expect_output "$T/ro" precious
	# It never connected: fsend still has its one transfer to make.
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

output_dev_stdout_into_a_pipe_carries_only_data() {
	serve_one 1000
	(cd "$T/recv" && timeout "$TO" "$FRECV" -o /dev/stdout 127.0.0.1 "$PORT" 2>"$T/frecv.err" |
		cat >"$T/out")
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/out"
	expect_output "$T/frecv.err" "received file data"
	expect_empty_dir "$T/recv"
}

# ---- permissions and odd directories -------------------------------------------

drop_box_directory_takes_the_file() {
	need_nobody
	mkdir -m 0333 "$T/drop"
	serve_one 200000
	as_nobody timeout "$TO" "$FRECV" -o "$T/drop/receive.dat" 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err"
	expect_status "frecv into a 0333 directory" 0 $?
	same_file "$T/f" "$T/drop/receive.dat"
	[ "$(ls -A "$T/drop")" = receive.dat ] || fail "left: $(ls -A "$T/drop")"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

foreign_target_in_sticky_directory_is_refused_before_connecting() {
	need_nobody
	mkdir -m 1777 "$T/shared"
	echo precious >"$T/shared/receive.dat" # root's
	serve_one 100000
	(cd "$T/shared" && as_nobody timeout "$TO" "$FRECV" 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err")
	expect_status "frecv over another user's file in a sticky directory" 73 $?
	expect_output "$T/frecv.err" "frecv: receive.dat: Operation not permitted"
	expect_output "$T/shared/receive.dat" precious
	[ "$(ls -A "$T/shared")" = receive.dat ] || fail "left: $(ls -A "$T/shared")"
	run_frecv 127.0.0.1 "$PORT" # the transfer was never taken
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

planted_files_in_sticky_directory_are_refused_even_for_root() {
	need_nobody
	mkdir -m 1777 "$T/shared"
	as_nobody mkfifo "$T/shared/fifo"
	as_nobody sh -c 'echo planted >"$1"' sh "$T/shared/file"
	as_nobody ln -s /dev/null "$T/shared/link"
	for name in fifo file link; do
		bad frecv 73 -o "$T/shared/$name" 127.0.0.1 9
		expect_output "$T/err" "frecv: $T/shared/$name: Permission denied"
	done
	expect_output "$T/shared/file" planted
	[ -p "$T/shared/fifo" ] && [ -L "$T/shared/link" ] || fail "changed: $(ls -l "$T/shared")"
}

file_planted_during_the_transfer_is_refused_at_the_commit() {
	need_nobody
	mkdir -m 1777 "$T/shared"
	paused_transfer -o "$T/shared/secret"
	# Another user lays a world-writable file where root's will go.
	as_nobody sh -c 'umask 0 && echo planted >"$1"' sh "$T/shared/secret"
	finish_transfer
	expect_status "frecv over a file planted during the transfer" 73 "$RC"
	expect_output "$T/frecv.err" "frecv: $T/shared/secret: Permission denied"
	expect_output "$T/shared/secret" planted
	[ "$(stat -c %u "$T/shared/secret")" = 65534 ] || fail "owner changed"
	[ "$(ls -A "$T/shared")" = secret ] || fail "left: $(ls -A "$T/shared")"
	wait_server fsend
	[ "$RC" -eq 74 ] || [ "$RC" -eq 76 ] || fail "fsend exited $RC, expected 74 or 76"
}

file_created_during_the_transfer_lends_it_nothing() {
	umask 022
	paused_transfer
	(cd "$T/recv" && echo meanwhile >receive.dat && chmod 666 receive.dat)
	finish_transfer
	expect_status frecv 0 "$RC"
	expect_output "$T/recv/receive.dat" "first part, second part"
	expect_mode "$T/recv/receive.dat" 644 "taken from the file made meanwhile"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

directory_swapped_during_the_transfer_does_not_redirect_it() {
	mkdir "$T/recv/inbox" "$T/elsewhere"
	paused_transfer -o "$T/recv/inbox/x"
	mv "$T/recv/inbox" "$T/recv/inbox.old"
	ln -s "$T/elsewhere" "$T/recv/inbox"
	finish_transfer
	expect_status frecv 0 "$RC"
	expect_output "$T/recv/inbox.old/x" "first part, second part"
	expect_empty_dir "$T/elsewhere"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

new_target_is_named_in_one_step() {
	need_strace
	random_file "$T/f" 10000
	start_server fsend "$FSEND" 0 "$T/f"
	(cd "$T/recv" && timeout "$TO" strace -f -o "$T/trace" -e trace=openat,linkat,rename,renameat,renameat2 \
		"$FRECV" 127.0.0.1 "$PORT" >"$T/frecv.out" 2>"$T/frecv.err")
	expect_status frecv 0 $?
	same_file "$T/f" "$T/recv/receive.dat"
	grep -q 'openat(.*receive\.dat\..*O_CREAT' "$T/trace" &&
		skip "this build names its temporary file (no O_TMPFILE)"
	# One link gives the unnamed file its name: no temporary name exists,
	# even for an instant, so not even SIGKILL can leave one.
	grep -q 'linkat(.*"receive.dat", AT_SYMLINK_FOLLOW) = 0' "$T/trace" || fail "$(cat "$T/trace")"
	! grep -q 'rename' "$T/trace" || fail "renamed: $(grep rename "$T/trace")"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

names_in_messages_stay_one_printable_line() {
	bad frecv 73 -o "$T/no
dir$(printf '\033')[31m/x" 127.0.0.1 9
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$(cat -A "$T/err")"
	! grep -q "$(printf '\033')" "$T/err" || fail "raw escape: $(cat -A "$T/err")"
	grep -q '^frecv: .*/no\\ndir\\x1b\[31m/x: No such file or directory$' "$T/err" || fail "$(cat "$T/err")"
}

trailing_slash_on_a_file_is_not_a_directory() {
	echo x >"$T/afile"
	bad frecv 73 -o "$T/afile/" 127.0.0.1 9
	expect_output "$T/err" "frecv: $T/afile/: Not a directory"
}

stderr_shared_with_the_data_gets_no_messages() {
	serve_one 300000 -c 1K
	(cd "$T/recv" && timeout "$TO" "$FRECV" --progress --sha256 -c 1K -o - 127.0.0.1 "$PORT" >"$T/out" 2>&1)
	expect_status "frecv -o - >out 2>&1" 0 $?
	same_file "$T/f" "$T/out"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

file_replaced_by_one_with_its_inode_number_lends_it_nothing() {
	# ext4 gives a file made just after another was removed that one's
	# inode number: a look at device and inode alone would take the new
	# file for the old, and copy its owner and mode.
	need_root
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 (e2fsprogs) is not installed"
	truncate -s 16M "$T/ext4.img"
	mkfs.ext4 -q -F "$T/ext4.img" || fail "mkfs.ext4"
	mkdir "$T/mnt"
	mount -o loop "$T/ext4.img" "$T/mnt" 2>/dev/null || skip "cannot mount a loop image here"
	AT_EXIT="umount -l '$T/mnt' 2>/dev/null; $AT_EXIT"
	umask 022
	echo old >"$T/mnt/v"
	chmod 600 "$T/mnt/v"
	ino=$(stat -c %i "$T/mnt/v")
	paused_transfer -o "$T/mnt/v"
	rm "$T/mnt/v"
	echo planted >"$T/mnt/v"
	chown 65534:65534 "$T/mnt/v"
	chmod 666 "$T/mnt/v"
	echo "inode $ino before, $(stat -c %i "$T/mnt/v") for the file made meanwhile" >&2
	finish_transfer
	expect_status frecv 0 "$RC"
	expect_output "$T/mnt/v" "first part, second part"
	# The file found at the start is the model, never the one made since.
	expect_mode "$T/mnt/v" 600 "not the old file's"
	[ "$(stat -c %u:%g "$T/mnt/v")" = 0:0 ] ||
		fail "owner $(stat -c %u:%g "$T/mnt/v"), taken from the file made meanwhile"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

target_removed_during_the_transfer_still_lends_its_mode_and_owner() {
	need_root
	umask 022
	echo old >"$T/recv/receive.dat"
	chown 65534:65534 "$T/recv/receive.dat"
	chmod 640 "$T/recv/receive.dat"
	paused_transfer
	rm "$T/recv/receive.dat"
	finish_transfer
	expect_status frecv 0 "$RC"
	expect_output "$T/recv/receive.dat" "first part, second part"
	expect_mode "$T/recv/receive.dat" 640 "not the old file's"
	[ "$(stat -c %u:%g "$T/recv/receive.dat")" = 65534:65534 ] ||
		fail "owner $(stat -c %u:%g "$T/recv/receive.dat"), not the old file's"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

file_system_without_modes_stores_the_file() {
	# FAT keeps no modes or owners; through FUSE (fusefat) setting one is
	# ENOSYS, which is no reason to lose the transfer.
	need_root
	command -v fusefat >/dev/null && command -v mkfs.vfat >/dev/null ||
		skip "fusefat and mkfs.vfat (dosfstools) are not installed"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	truncate -s 32M "$T/fat.img"
	mkfs.vfat "$T/fat.img" >/dev/null || fail "mkfs.vfat"
	mkdir "$T/fat"
	fusefat -o rw+ "$T/fat.img" "$T/fat" 2>/dev/null || skip "cannot mount with fusefat here"
	AT_EXIT="fusermount -u '$T/fat' 2>/dev/null || umount -l '$T/fat' 2>/dev/null; $AT_EXIT"
	for target in new.bin old.bin; do
		[ $target = new.bin ] || echo old >"$T/fat/$target"
		serve_one 1000000
		run_frecv -o "$T/fat/$target" 127.0.0.1 "$PORT"
		expect_status "frecv -o FAT/$target" 0 "$RC"
		same_file "$T/f" "$T/fat/$target"
		wait_server fsend
		expect_status fsend 0 "$RC"
		rm -f "$T"/fsend.*
	done
	[ "$(ls -A "$T/fat")" = "$(printf 'new.bin\nold.bin')" ] || fail "left: $(ls -A "$T/fat")"
}

private_target_keeps_its_mode() {
	echo old >"$T/recv/receive.dat"
	chmod 600 "$T/recv/receive.dat"
	random_file "$T/f" 10000
	(umask 022 && roundtrip "$T/f" 127.0.0.1) || exit 1
	expect_mode "$T/recv/receive.dat" 600
}

root_replacing_keeps_owner_and_group() {
	need_root
	echo old >"$T/recv/receive.dat"
	chown 65534:65534 "$T/recv/receive.dat"
	chmod 640 "$T/recv/receive.dat"
	random_file "$T/f" 10000
	roundtrip "$T/f" 127.0.0.1
	[ "$(stat -c %u:%g:%a "$T/recv/receive.dat")" = 65534:65534:640 ] ||
		fail "now $(stat -c %u:%g:%a "$T/recv/receive.dat"), expected 65534:65534:640"
}

read_only_target_is_refused_before_connecting() {
	need_nobody
	mkdir -m 777 "$T/dir"
	as_nobody sh -c 'echo precious >"$1" && chmod 444 "$1"' sh "$T/dir/receive.dat"
	serve_one 100000
	as_nobody timeout "$TO" "$FRECV" -o "$T/dir/receive.dat" 127.0.0.1 "$PORT" >"$T/out" 2>"$T/err"
	expect_status "frecv over a read-only file" 73 $?
	expect_output "$T/err" "frecv: $T/dir/receive.dat: Permission denied"
	expect_output "$T/dir/receive.dat" precious
	# It never connected: the one transfer is still there to be taken.
	run_frecv 127.0.0.1 "$PORT"
	expect_status frecv 0 "$RC"
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/recv/receive.dat"
}

names_up_to_name_max_bytes_are_stored() {
	random_file "$T/f" 5000
	for len in 247 248 255; do
		name=$(printf "%${len}s" | tr ' ' n)
		roundtrip "$T/f" 127.0.0.1 "" "-o $name" "$T/recv/$name"
		rm "$T/recv/$name"
	done
}

symbolic_link_at_target_is_followed() {
	echo old >"$T/real"
	ln -s "$T/real" "$T/recv/receive.dat"
	random_file "$T/f" 10000
	roundtrip "$T/f" 127.0.0.1 "" "" "$T/real"
	[ -L "$T/recv/receive.dat" ] || fail "the link was replaced"
	[ "$(ls -A "$T")" != "" ] && [ -z "$(ls -A "$T" | grep '^\.real\.')" ] || fail "temporary left"
}

dangling_symbolic_link_is_refused() {
	ln -s "$T/nowhere" "$T/recv/receive.dat"
	(cd "$T/recv" && timeout "$TO" "$FRECV" 127.0.0.1 9 >"$T/out" 2>"$T/err")
	expect_status "frecv through a dangling link" 73 $?
	expect_output "$T/err" "frecv: receive.dat: No such file or directory"
	[ ! -e "$T/nowhere" ] || fail "created the link's target"
}

hard_link_to_target_keeps_the_old_data() {
	echo old >"$T/recv/receive.dat"
	ln "$T/recv/receive.dat" "$T/other"
	random_file "$T/f" 10000
	roundtrip "$T/f" 127.0.0.1
	expect_output "$T/other" old
}

# ---- the commit ---------------------------------------------------------------

server_reset_during_commit_keeps_the_old_file() {
	need_strace
	echo precious >"$T/recv/receive.dat"
	mkfifo "$T/go"
	exec 6<>"$T/go"
	start_server -k peer "$PEER" server end-then-reset 100000 <"$T/go"
	# The server's reset arrives while frecv syncs the file (held 3 s).
	start_bg frecv 5 sh -c 'cd "$1" && exec strace -f -o "$2" -e trace=fsync \
		-e inject=fsync:delay_enter=3000000 "$3" 127.0.0.1 "$4"' \
		sh "$T/recv" "$T/frecv.trace" "$FRECV" "$PORT"
	drain frecv
	wait_trace "$T/frecv.trace" fsync
	echo go >&6
	next_line peer # ended
	next_line peer # reset
	wait_server frecv
	expect_status frecv 74 "$RC"
	keeps_nothing
}

acknowledgement_undeliverable_after_commit_is_76_with_the_file_stored() {
	need_strace
	echo precious >"$T/recv/receive.dat"
	mkfifo "$T/go"
	exec 6<>"$T/go"
	start_server -k peer "$PEER" server end-then-reset 100000 <"$T/go"
	# The reset arrives after frecv's last look at the connection, while
	# the rename (held 3 s) puts the file in place.
	start_bg frecv 5 sh -c 'cd "$1" && exec strace -f -o "$2" -e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:delay_enter=3000000 "$3" 127.0.0.1 "$4"' \
		sh "$T/recv" "$T/frecv.trace" "$FRECV" "$PORT"
	drain frecv
	wait_trace "$T/frecv.trace" renameat
	echo go >&6
	next_line peer
	next_line peer
	wait_server frecv
	expect_status frecv 76 "$RC"
	grep -q '^frecv: receive.dat: stored, but the acknowledgement could not be sent: ' \
		"$T/frecv.err" || fail "$(cat "$T/frecv.err")"
	[ "$(ls -A "$T/recv")" = receive.dat ] || fail "left: $(ls -A "$T/recv")"
	[ "$(wc -c <"$T/recv/receive.dat")" -eq 100000 ] || fail "not the new file"
}

frecv_stopped_after_the_whole_stream_resets_the_connection() {
	need_strace
	random_file "$T/f" 100000
	start_server fsend "$FSEND" -t 0 0 "$T/f"
	# Held in its fsync, frecv has the whole stream when it is stopped.
	start_bg frecv 5 sh -c 'cd "$1" && exec strace -f -o "$2" -e trace=fsync \
		-e inject=fsync:delay_enter=3000000 "$3" 127.0.0.1 "$4"' \
		sh "$T/recv" "$T/frecv.trace" "$FRECV" "$PORT"
	drain frecv
	wait_trace "$T/frecv.trace" fsync
	kill -TERM "$(pgrep -P "$(pid_of frecv)")"
	wait_server frecv
	expect_status "frecv on SIGTERM in its fsync" 143 "$RC"
	expect_empty_dir "$T/recv"
	wait_server fsend
	expect_status fsend 76 "$RC"
	grep -q '^fsend: delivery unconfirmed: Connection reset by peer$' "$T/fsend.err" ||
		fail "fsend: $(cat "$T/fsend.err")"
}

named_standard_output_file_is_replaced_like_any_file() {
	echo old >"$T/recv/out"
	serve_one 100000
	# stdout appends to the very file named: written through it, the old
	# bytes would stay in front of the new.
	(cd "$T/recv" && timeout "$TO" "$FRECV" --sha256 -o out 127.0.0.1 "$PORT" >>out 2>"$T/frecv.err")
	expect_status "frecv -o out >>out" 0 $?
	same_file "$T/f" "$T/recv/out"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

# ---- signals, sudden death, limits -------------------------------------------------

every_stop_signal_mid_transfer_leaves_only_the_old_file() {
	ulimit -c 0 # SIGQUIT and SIGABRT would leave a core file
	i=0
	sigs="HUP INT QUIT TERM USR1 USR2 ALRM ABRT VTALRM PROF XCPU POLL PWR RTMIN RTMIN+1"
	# The faults, sent by kill(1), and SIGRTMAX: valgrind keeps the last for
	# itself and hangs on the others, so only the program alone gets them.
	[ -n "${FX_TEST_WRAPPER:-}" ] || sigs="$sigs RTMAX SEGV BUS ILL FPE SYS TRAP"
	for sig in $sigs; do
		num=$(signum "$sig") || continue
		i=$((i + 1))
		echo precious >"$T/recv/receive.dat"
		frecv_mid_transfer
		kill -"$sig" "$frecv_pid"
		wait "$frecv_pid"
		expect_status "frecv on SIG$sig" $((128 + num)) $?
		keeps_nothing
		kill "$peer_pid" 2>/dev/null
		wait_server peer
		rm -f "$T"/peer.*
	done
	[ "$i" -ge 10 ] || fail "only $i signals known to kill -l"
}

sigkill_mid_transfer_leaves_only_the_old_file() {
	echo precious >"$T/recv/receive.dat"
	frecv_mid_transfer
	if ls -A "$T/recv" | grep -q '^\.receive\.dat\.'; then
		kill -KILL "$frecv_pid"
		skip "this build uses a named temporary file: SIGKILL leaves it"
	fi
	kill -KILL "$frecv_pid"
	wait "$frecv_pid"
	expect_status frecv 137 $?
	keeps_nothing
}

frecv_keeps_signals_ignored_at_start_ignored() {
	mkfifo "$T/in"
	exec 7<>"$T/in"
	start_server fsend "$FSEND" 0 - <"$T/in" 7>&-
	# nohup ignores SIGHUP; a script's background job has SIGINT ignored.
	(cd "$T/recv" && exec nohup sh -c 'trap "" INT && exec "$0" -t 0 127.0.0.1 "$1"' \
		"$FRECV" "$PORT" >"$T/frecv.out" 2>"$T/frecv.err") 7>&- &
	frecv=$!
	printf 'first half, ' >&7
	child_of "$(pid_of fsend)" >/dev/null # frecv is connected
	kill -HUP "$frecv"
	kill -INT "$frecv"
	printf 'second half\n' >&7
	exec 7>&-
	wait "$frecv"
	expect_status "frecv after SIGHUP and SIGINT" 0 $?
	expect_output "$T/recv/receive.dat" "first half, second half"
	wait_server fsend
	expect_status fsend 0 "$RC"
}

file_size_limit_is_an_error_not_a_death() {
	echo precious >"$T/recv/receive.dat"
	serve_one 1000000
	(ulimit -f 100 && cd "$T/recv" && exec timeout "$TO" "$FRECV" 127.0.0.1 "$PORT" \
		>"$T/frecv.out" 2>"$T/frecv.err")
	expect_status "frecv under ulimit -f" 74 $?
	expect_output "$T/frecv.err" "frecv: receive.dat: File too large"
	keeps_nothing
	wait_server fsend
	[ "$RC" -eq 74 ] || [ "$RC" -eq 76 ] || fail "fsend exited $RC, expected 74 or 76"
}

fifo_without_reader_fails_within_the_timeout() {
	mkfifo "$T/recv/fifo"
	start=$(date +%s.%N)
	(cd "$T/recv" && timeout "$TO" "$FRECV" -t 2 -o fifo 127.0.0.1 9 >"$T/out" 2>"$T/err")
	expect_status "frecv -t 2 -o FIFO without reader" 73 $?
	took=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
	# -t 2, not less, and not much more.
	echo "$took" | awk '{ exit !($1 >= 2 && $1 <= 3.5) }' || fail "took $took s"
	expect_output "$T/err" "frecv: fifo: no reader on the FIFO"
}

fifo_without_reader_wait_ends_on_sigterm() {
	mkfifo "$T/recv/fifo"
	(cd "$T/recv" && exec "$FRECV" -t 0 -o fifo 127.0.0.1 9 >"$T/out" 2>"$T/err") &
	pid=$!
	BG="$BG $pid"
	# Wait until it waits (sleeping between tries to open the FIFO).
	n=0
	until [ "$(ps -o stat= -p "$pid" | cut -c1)" = S ] && [ -z "$(cat "$T/err")" ]; do
		n=$((n + 1)); [ "$n" -lt 100 ] || fail "frecv never waited"; sleep 0.05
	done
	kill -TERM "$pid"
	gone_within 2 "$pid"
	wait "$pid"
	expect_status "frecv on SIGTERM while waiting for a reader" 143 $?
}

max_size_below_the_stream_cuts_it_and_keeps_nothing() {
	echo precious >"$T/recv/receive.dat"
	serve_one 100000
	run_frecv --max-size 99999 127.0.0.1 "$PORT"
	expect_status "frecv --max-size 99999" 65 "$RC"
	expect_output "$T/frecv.err" "frecv: 127.0.0.1 port $PORT: more than 99999 bytes (--max-size): connection reset"
	keeps_nothing
	wait_server fsend
	[ "$RC" -eq 74 ] || [ "$RC" -eq 76 ] || fail "fsend exited $RC, expected 74 or 76"
}

max_size_equal_to_the_stream_is_taken() {
	random_file "$T/f" 100000
	roundtrip "$T/f" 127.0.0.1 "" "--max-size 100000"
	random_file "$T/f" 2097152
	roundtrip "$T/f" 127.0.0.1 "" "--max-size 2M -c 64K"
}

max_size_is_checked_as_a_size() {
	bad frecv 64 --max-size 0 127.0.0.1 9
	grep -q "^frecv: max size '0': out of range (1 to [0-9]*)$" "$T/err" || fail "$(cat "$T/err")"
	bad frecv 64 --max-size 10Q 127.0.0.1 9
	grep -q "^frecv: max size '10Q': not a size (digits, then K, M, G or T)$" "$T/err" ||
		fail "$(cat "$T/err")"
}

stalled_consumer_of_stdout_is_not_timed_out() {
	# frecv's -t watches the network, not the consumer: a pager being read
	# slowly is no failure (the sender's own -t still bounds it).
	serve_one 3000000
	mkfifo "$T/go"
	exec 6<>"$T/go"
	(cd "$T/recv" && timeout "$TO" "$FRECV" -t 1 -o - 127.0.0.1 "$PORT" 2>"$T/frecv.err" |
		(read -r _ <&6 && cat >"$T/out"); echo $? >"$T/rc") &
	sleep 3 # the consumer reads nothing for three times frecv's -t
	echo go >&6
	wait
	wait_server fsend
	expect_status fsend 0 "$RC"
	same_file "$T/f" "$T/out"
}

append_only_directory_with_a_target_is_refused_before_connecting() {
	mkdir "$T/log"
	need_attributes "$T/log"
	echo precious >"$T/log/receive.dat"
	chattr +a "$T/log"
	refused_before_connecting "$T/log" \
		"the directory is append-only (chattr +a): no file in it can be replaced"
}

append_only_directory_takes_a_new_file_under_its_name_alone() {
	# Adding a name is allowed: the unnamed file gets its one name.
	mkdir "$T/log"
	need_attributes "$T/log"
	chattr +a "$T/log"
	random_file "$T/f" 100000
	roundtrip "$T/f" 127.0.0.1 "" "-o $T/log/receive.dat" "$T/log/receive.dat"
	[ "$(ls -A "$T/log")" = receive.dat ] || fail "left: $(ls -A "$T/log")"
}

directory_made_append_only_during_the_transfer_gets_no_stray_name() {
	need_attributes "$T/recv"
	paused_transfer
	# A target appears, and the directory stops giving names back: the
	# file could only replace it under a temporary name, never removed.
	echo precious >"$T/recv/receive.dat"
	chattr +a "$T/recv"
	finish_transfer
	expect_status "frecv, its directory made append-only meanwhile" 73 "$RC"
	expect_output "$T/frecv.err" "frecv: receive.dat: the directory became append-only (chattr +a)"
	keeps_nothing
	wait_server fsend
	expect_status "fsend (reset after its half-close)" 76 "$RC"
}

immutable_directory_is_refused_before_connecting() {
	mkdir "$T/ro"
	need_attributes "$T/ro"
	echo precious >"$T/ro/receive.dat"
	chattr +i "$T/ro"
	refused_before_connecting "$T/ro" "the directory is immutable (chattr +i)"
	rm "$T/ro/receive.dat" 2>/dev/null && fail "chattr +i did not hold"
	chattr -i "$T/ro"
	rm "$T/ro/receive.dat"
	chattr +i "$T/ro"
	refused_before_connecting "$T/ro" "the directory is immutable (chattr +i)"
}

append_only_or_immutable_target_is_refused_before_connecting() {
	mkdir "$T/d"
	need_attributes "$T/d"
	echo precious >"$T/d/receive.dat"
	chattr +a "$T/d/receive.dat"
	refused_before_connecting "$T/d" "the file is append-only (chattr +a): it cannot be replaced"
	chattr -a "$T/d/receive.dat"
	chattr +i "$T/d/receive.dat"
	refused_before_connecting "$T/d" "the file is immutable (chattr +i)"
}

mount_point_target_is_refused_before_connecting() {
	need_root
	[ "${FX_PORTABLE:-0}" = 0 ] || skip "the portable build does not look for mount points"
	# Without statx(2) in the C library (musl 1.2.3), only a mount from
	# another file system shows: a bind mount from the same one does not.
	case $(ldd "$FRECV_REAL" 2>&1) in
	*"not a dynamic executable"*) skip "this static build has no statx: bind mounts unseen" ;;
	esac
	mkdir "$T/d"
	echo precious >"$T/d/receive.dat"
	echo other >"$T/other"
	mount --bind "$T/other" "$T/d/receive.dat" 2>/dev/null || skip "cannot bind-mount here"
	AT_EXIT="umount '$T/d/receive.dat' 2>/dev/null; $AT_EXIT"
	refused_before_connecting "$T/d" "the file is a mount point: it cannot be replaced"
	umount "$T/d/receive.dat"
	expect_output "$T/d/receive.dat" precious
}

power_cut_after_the_acknowledgement_keeps_the_new_file() {
	need_power_cut
	random_file "$T/f" 3000000
	for round in 1 2 3; do
		power_cut_round old acked
		power_cut_round none acked
	done
	echo "$ROUNDS rounds"
}

power_cut_before_the_acknowledgement_keeps_the_old_file() {
	need_power_cut
	random_file "$T/f" 3000000
	# Mid-stream: the second splice, or write on the portable build.
	mid=splice:when=2
	[ "${FX_PORTABLE:-0}" = 0 ] || mid=write:when=2
	for round in 1 2; do
		for when in "$mid" fsync:when=1 rename fsync:when=2; do
			power_cut_round old "$when"
			power_cut_round none "$when"
		done
	done
	echo "$ROUNDS rounds"
}

case ${1:-} in
'' | *[!a-z0-9_]*) fail "usage: target.sh TEST_NAME" ;;
esac
"$1"
