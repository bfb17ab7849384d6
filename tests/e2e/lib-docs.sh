# tests/e2e/lib-docs.sh: the examples of README.md and of the man pages,
# for the tests that run them (t7500, and t7200 for pre-commit's).
# Source it after test-lib.sh.
#
# An example is a fenced block of README.md, or an .EX/.EE (or .nf/.fi)
# block of a man page, and the line just before it says what it is:
#
#   <!-- example: KIND [NAME] -->     README.md (indented as the fence)
#   .\" example: KIND [NAME]          a man page (a comment: not shown)
#
# KIND is one of
#
#   run NAME      commands that a test runs: some script of tests/e2e/
#                 calls `doc_example FILE NAME`, or a helper of its own
#                 as `helper FILE NAME` (t7500 checks that one does).  A block whose lines start with "$ " is a session:
#                 those lines are the commands, the others what they print
#                 ("..." standing for any lines).  A GitHub Actions step
#                 (a YAML list with "run:") is run as its run: command.
#   output NAME   what a program prints, which a test compares
#   text          no commands: a format, a message, a file's contents
#   illustration  commands that no test can run; the text just before the
#                 block must say so with the word "illustration"
#
#   doc_example FILE NAME   print the block NAME of FILE (a path from the
#                           top of the source tree), roff's escapes undone
#   doc_examples FILE       list FILE's blocks, one a line:
#                           "FILE:LINE KIND [NAME]", KIND "unmarked" when
#                           nothing says what the block is
#   doc_commands            the commands of a session (stdin to stdout)
#   doc_session_output      what a session shows its commands printing
#   doc_cmp_elided EXPECT ACTUAL
#                           test_cmp where a line "..." of EXPECT stands
#                           for any number of lines of ACTUAL
#   doc_emulator_subst [WS=URL]...
#                           sed, stdin to stdout: hightouch://WS to
#                           hightouch::URL/WS (default URL: $EMU_URL) and
#                           "HIGHTOUCH_API_KEY=..." to the emulator's key;
#                           what turns an example written for the
#                           Hightouch API into one for hightouch-emulator
#   doc_port_subst PORT     sed: 127.0.0.1:8080 to 127.0.0.1:PORT
#   doc_free_port           print a free TCP port on 127.0.0.1

# The awk behind doc_example and doc_examples: MODE "list" or "extract"
# (then WANT is the name).
doc_scan_() {
	awk -v mode="$1" -v want="$2" -v file="$3" '
	function marker(line) {
		if (match(line, /^[ \t]*<!-- example: .* -->$/)) {
			sub(/^[ \t]*<!-- example: /, "", line)
			sub(/ -->$/, "", line)
			return line
		}
		if (line ~ /^\.\\" example: /) {
			sub(/^\.\\" example: /, "", line)
			return line
		}
		return ""
	}
	function start(line) {
		if (man)
			return line ~ /^\.(EX|nf)[ \t]*$/
		return line ~ /^[ \t]*```/
	}
	function stop(line) {
		if (man)
			return line ~ /^\.(EE|fi)[ \t]*$/
		return line ~ /^[ \t]*```[ \t]*$/
	}
	BEGIN { man = file !~ /\.md$/ }
	{
		if (!inblock && start($0)) {
			inblock = 1
			m = marker(prev)
			n = split(m, w, " ")
			if (mode == "list")
				print file ":" NR " " (m == "" ? "unmarked" : m)
			grab = mode == "extract" && n == 2 && w[2] == want &&
				(w[1] == "run" || w[1] == "output")
			if (grab) {
				found++
				indent = $0
				sub(/[^ \t].*/, "", indent)
			}
		} else if (inblock && stop($0)) {
			inblock = 0
			grab = 0
		} else if (grab) {
			line = $0
			if (!man && index(line, indent) == 1)
				line = substr(line, length(indent) + 1)
			print line
		}
		prev = $0
	}
	END {
		if (mode == "extract" && found != 1) {
			print file ": " found + 0 " examples named \"" want "\"" \
				>"/dev/stderr"
			exit 1
		}
		if (inblock) {
			print file ": a block is not closed" >"/dev/stderr"
			exit 1
		}
	}' "$HT_SRC_DIR/$3"
}

doc_examples() {
	doc_scan_ list "" "$1"
}

doc_example() {
	case "$1" in
	*.md)
		doc_scan_ extract "$2" "$1"
		;;
	*)
		# roff: \\ a backslash, \- \e \& \(aq \fX as groff prints them
		doc_scan_ extract "$2" "$1" >"$TRASH_DIRECTORY/.doc-example" &&
		sed -e 's/\\\\/\x01/g' -e 's/\\-/-/g' -e 's/\\e/\\/g' \
			-e 's/\\&//g' -e "s/\\\\(aq/'/g" -e 's/\\f[BIRP]//g' \
			-e 's/\x01/\\/g' "$TRASH_DIRECTORY/.doc-example"
		;;
	esac
}

doc_commands() {
	sed -n 's/^\$ //p'
}

doc_session_output() {
	grep -v '^\$ '
}

doc_cmp_elided() {
	awk '
	NR == FNR { want[++n] = $0; next }
	{ got[++m] = $0 }
	END {
		j = 1
		for (i = 1; i <= n; i++) {
			if (want[i] ~ /^[ \t]*\.\.\.[ \t]*$/) {
				skip = 1
				continue
			}
			while (skip && j <= m && got[j] != want[i])
				j++
			if (j > m || got[j] != want[i]) {
				print "expected line " i ": " want[i]
				print "not found at line " j " of the output"
				exit 1
			}
			j++
			skip = 0
		}
		if (!skip && j <= m) {
			print "unexpected line " j ": " got[j]
			exit 1
		}
	}' "$1" "$2" || {
		echo "--- expected (... for any lines)"
		cat "$1"
		echo "--- actual"
		cat "$2"
		return 1
	}
}

doc_emulator_subst() {
	doc_sed_=$TRASH_DIRECTORY/.doc-subst.sed
	: >"$doc_sed_"
	for doc_map_ in "$@"; do
		doc_ws_=${doc_map_%%=*}
		doc_to_="hightouch::${doc_map_#*=}/$doc_ws_"
		printf '%s\n' \
			"s|hightouch://$doc_ws_\\([^A-Za-z0-9_-]\\)|$doc_to_\\1|g" \
			"s|hightouch://$doc_ws_\$|$doc_to_|" >>"$doc_sed_"
	done
	printf '%s\n' \
		"s|hightouch://\\([A-Za-z0-9][A-Za-z0-9_-]*\\)|hightouch::$EMU_URL/\\1|g" \
		"s|HIGHTOUCH_API_KEY=\\.\\.\\.|HIGHTOUCH_API_KEY=\$(cat '$EMU_API_KEY_FILE')|g" \
		>>"$doc_sed_"
	sed -f "$doc_sed_"
}

doc_port_subst() {
	sed "s/127\\.0\\.0\\.1:8080/127.0.0.1:$1/g"
}

doc_free_port() {
	# the port the kernel gives an emulator on port 0, once it is stopped
	(
		mkdir -p "$TRASH_DIRECTORY/.free-port" &&
		cd "$TRASH_DIRECTORY/.free-port" &&
		emulator_start >/dev/null &&
		emulator_stop >/dev/null &&
		echo "$EMU_PORT"
	)
}
