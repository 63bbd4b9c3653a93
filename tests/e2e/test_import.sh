#!/usr/bin/env bash
# End-to-end test of `smsdesk import` and `smsdesk stats` with the real binary: a CSV with
# good and hostile rows imports the good ones and exits 3 with one report line per bad row;
# a dry run writes nothing; an unreadable file exits 1. $1 = the smsdesk binary.
source "$(dirname "$0")/lib_ops.sh" "$1"

run 0 init
run 0 tenant add "Main St" --timezone America/Chicago --phone "(555) 123-0000"

# A spreadsheet export: BOM, CRLF, a quoted name with a comma, an ignored column, bad rows.
{
	printf '\xef\xbb\xbfExternal ID,First Name,Last Name,Mobile,Date of birth,sms_opt_out\r\n'
	printf 'E1,Ann,Lee,(312) 555-0101,1990-01-01,no\r\n'
	printf 'E2,Bob,"Ray, Jr.",312.555.0102,,no\r\n'
	printf 'E3,Cat,Ng,abc,,\r\n'
	printf 'E4,\x1b[2JDan,Ox,3125550104,,\r\n'
	printf 'E5,Eve,Fox,3125550105,,maybe\r\n'
	printf 'E6,Fay,Gu,+44 20 7946 0958,,yes\r\n'
} >patients.csv

# A dry run first: the report, and nothing written.
run 3 import patients patients.csv --dry-run
has out "dry run, nothing written: 6 rows of patients: 3 would be added, 0 updated, 3 refused"
run 0 patient list
has out "(no patients yet)"

run 3 import patients patients.csv
has out "note: column 'Date of birth' is not one smsdesk imports: ignored"
has out "row 4: mobile 'abc': the phone number contains letters"
has out "row 5: first_name '?[2JDan' contains a control character (U+001B)"
has out "row 6: sms_opt_out 'maybe' is neither yes nor no"
has out "imported patients: 6 rows: 3 added, 0 updated, 3 refused"
# The escape sequence never reaches the terminal.
! grep -q $'\x1b' "$T/out" || fail "an escape sequence reached stdout"
ok
run 0 patient list
has out "Lee, Ann"
has out "Ray, Jr., Bob"
has out "Gu, Fay"
lacks out "Ng, Cat"
lacks out "Ox"

# The same file again updates; nobody is added twice.
run 3 import patients patients.csv
has out "0 added, 3 updated, 3 refused"

# Appointments: JSON by extension; one unknown patient.
cat >appts.json <<'JSON'
[{"external_id": "E1", "provider": "Dr. Smith", "location": "Room 2", "start": "2030-12-01T14:30", "duration_min": 45},
 {"external_id": "E2", "provider": "Dr. Smith", "start": "2030-12-01T15:30-06:00", "status": "confirmed"},
 {"external_id": "NOPE", "provider": "Dr. Smith", "start": "2030-12-01T16:30"}]
JSON
run 3 import appointments appts.json
has out "row 3: external_id 'NOPE': no patient has this external id"
has out "imported appointments: 3 rows: 2 added, 0 updated, 1 refused"
run 0 appointment list --all
has out "2030-12-01 14:30"
has out "confirmed"

# A clean file exits 0; standard input works with --format.
printf 'external_id,first_name,last_name,phone\nE9,Gil,Hu,3125550109\n' >clean.csv
run 0 import patients clean.csv
"$B" import patients - --format csv <clean.csv >"$T/out" 2>"$T/err" || fail "import from stdin failed"
ok
has out "0 added, 1 updated, 0 refused"

# A repeated external_id: the second row refused with its line, the first kept. A later file
# that changes Gil's name and mobile at once is refused, unless --allow-identity-change.
printf 'external_id,first_name,last_name,phone\nE10,Ivy,Jo,3125550110\nE10,Kim,Lu,3125550111\n' >dup.csv
run 3 import patients dup.csv
has out "row 3: external_id 'E10' is already on row 2 of this file"
has out "1 added, 0 updated, 1 refused"
printf 'external_id,first_name,last_name,phone\nE9,Max,Ng,3125550119\n' >other.csv
run 3 import patients other.csv
has out "row 2: external_id 'E9': would change both the name and the mobile"
run 0 patient list
has out "Hu, Gil"
lacks out "Ng, Max"
run 0 import patients other.csv --allow-identity-change
has out "row 2: external_id 'E9': name and mobile both changed (allowed by --allow-identity-change)"
has out "0 added, 1 updated, 0 refused"
run 0 import --help
has out "--allow-identity-change"

# Whole-file problems exit 1 with the reason; usage errors exit 64.
run 1 import patients "$T/does-not-exist.csv"
has err "cannot read"
printf 'first_name,last_name\nAnn,Lee\n' >nomobile.csv
run 1 import patients nomobile.csv
has err "no mobile (or phone) column"
printf '{"patients": []}' >obj.json
run 1 import patients obj.json
has err "array of objects"
run 64 import patients
run 64 import people patients.csv
run 64 import patients patients.csv --format xml

# One audit entry per real import (the dry run wrote none).
run 0 audit list
[ "$(grep -c "import.patients" "$T/out")" = 7 ] || fail "expected 7 import.patients audit entries"
ok
has out "6 rows: 3 added/updated, 3 rejected"

# stats: runs on this database, shows the opt-out that came with the import.
run 0 stats
has out "SMS statistics: Main St"
has out "import 1"
run 0 stats --since 2020-01-01 --until 7d
run 64 stats --since yesterday
run 64 stats --since 2026-02-30

echo "ok: $CHECKS checks"
