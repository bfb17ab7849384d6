#!/bin/sh

test_description='git-remote-hightouch: a resource too large for a file'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# A model whose SQL is KIB kibibytes long, as the API takes it.
model_json() {
	python3 -c '
import json, sys
print(json.dumps({"name": "Huge", "slug": "huge", "sourceId": 1,
                  "queryType": "raw_sql", "isSchema": False,
                  "primaryKey": "id",
                  "raw": {"sql": "select " + "x" * int(sys.argv[1]) * 1024}}))
' "$1"
}

test_expect_success 'setup: a model of 4.2 MiB among small ones' '
	ht_start workspaces/t5-small.json &&
	model_json 4300 >huge.json &&
	ui POST /models @huge.json &&
	jq .id body >huge.id
'

test_expect_success 'a clone goes through, and names what it skipped' '
	git clone "$HT_URL" c 2>err &&
	grep "^warning: model .huge. would be a file of [0-9]* bytes, over the limit of 4194304: skipped" err &&
	test "$(grep -c "huge" err)" = 1 &&
	test ! -e c/models/huge.yaml &&
	test -f c/models/users.yaml &&
	git -C c log -1 --format=%B >message &&
	grep "^skipped, too large for a file: 1$" message &&
	git -C c fsck --full
'

test_expect_success 'a fetch with no change says nothing of it again' '
	git -C c fetch 2>err &&
	! grep huge err
'

test_expect_success 'a push that would touch it says why' '
	cat >c/models/huge.yaml <<-\EOF &&
	name: Huge
	source: snowflake
	type: raw_sql
	rawSql: select 1
	isSchema: false
	primaryKey: id
	EOF
	git -C c add models/huge.yaml &&
	git -C c commit -q -m "huge, small again" &&
	git -C c push origin main 2>err &&
	grep "^warning: models/huge.yaml: model .huge. would be a file of [0-9]* bytes, over the limit of 4194304 (fetch skipped it); this push replaces it with the file.s fields$" err &&
	api GET "/models/$(cat huge.id)" &&
	jq -r .raw.sql body >sql &&
	echo "select 1" >expect &&
	test_cmp expect sql
'

test_expect_success 'grown too large again: a fetch skips it, the file stays' '
	git -C c rev-parse HEAD:models/huge.yaml >before &&
	ui PATCH "/models/$(cat huge.id)" @huge.json &&
	git -C c fetch 2>err &&
	grep "^warning: model .huge. would be a file of" err &&
	git -C c rev-parse origin/main:models/huge.yaml >after &&
	test_cmp before after
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
