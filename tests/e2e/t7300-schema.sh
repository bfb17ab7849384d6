#!/bin/sh

test_description='git hightouch schema: JSON Schemas that agree with check

The draft-07 schemas of every kind, the .vscode/settings.json lines, and
the agreement: for every fixture marked so, and for hundreds of mutants of
a clean repository, python3-jsonschema over the PyYAML-parsed files and
`git hightouch check` agree, file by file, on pass or fail for the rules
a schema can express.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"

check_git_env
AGREE=$HT_SRC_DIR/tests/e2e/lib-schema-agree.py

test_expect_success '--write: a schema per kind, and the editor settings' '
	git hightouch schema --write schemas >settings.json &&
	for k in model sync parent-model related-model event-model \
		relationship manifest aliases; do
		test -s schemas/$k.schema.json || return 1
	done &&
	test "$(ls schemas | wc -l)" = 8 &&
	cat >expect <<-\EOF &&
	{
	  "yaml.schemas": {
	    "schemas/model.schema.json": "models/*.yaml",
	    "schemas/sync.schema.json": "syncs/*.yaml",
	    "schemas/parent-model.schema.json": "schema/parent-models/*.yaml",
	    "schemas/related-model.schema.json": "schema/related-models/*.yaml",
	    "schemas/event-model.schema.json": "schema/event-models/*.yaml",
	    "schemas/relationship.schema.json": "schema/model-relationships/*.yaml",
	    "schemas/manifest.schema.json": "manifest-*.yaml",
	    "schemas/aliases.schema.json": "aliases-*.yaml"
	  }
	}
	EOF
	test_cmp expect settings.json
'

test_expect_success JQ 'each is a draft-07 schema with a title' '
	for f in schemas/*.json; do
		jq -e ".\"\$schema\" == \"http://json-schema.org/draft-07/schema#\"
			and (.title | startswith(\"Hightouch \"))" "$f" \
			>/dev/null || return 1
	done &&
	jq -e ".required == [\"name\", \"source\", \"type\", \"primaryKey\"]" \
		schemas/model.schema.json &&
	jq -e ".properties.type.enum == [\"raw_sql\", \"table\", \"dbt_model\", \"custom\"]" \
		schemas/model.schema.json &&
	jq -e ".properties.primaryKey.type == [\"string\", \"null\"]" \
		schemas/model.schema.json &&
	jq -e ".properties.timestampColumn.type == \"string\"" \
		schemas/event-model.schema.json &&
	jq -e ".properties.schedulePaused.description | length > 0" \
		schemas/sync.schema.json
'

test_expect_success JSONSCHEMA 'python3-jsonschema accepts them as draft-07' '
	for f in schemas/*.json; do
		"$HT_PYTHON" -c "import json, sys, jsonschema
jsonschema.Draft7Validator.check_schema(json.load(open(sys.argv[1])))" \
			"$f" || return 1
	done
'

test_expect_success 'one kind, all kinds, a prefix; bad usage' '
	git hightouch schema sync >sync.json &&
	test_cmp schemas/sync.schema.json sync.json &&
	git hightouch schema >all.json &&
	git hightouch schema --prefix /ht/ --write pfx >settings.json &&
	grep "\"pfx/model.schema.json\": \"ht/models/\\*.yaml\"" settings.json &&
	grep "\"pfx/manifest.schema.json\": \"manifest-\\*.yaml\"" \
		settings.json &&
	grep "\"title\": \"Hightouch model file (ht/models/\\*.yaml)\"" \
		pfx/model.schema.json &&
	test_expect_code 2 git hightouch schema nope &&
	test_expect_code 2 git hightouch schema --write x sync &&
	test_expect_code 2 git hightouch schema --bogus
'

test_expect_success '--write makes the missing folders, as mkdir -p' '
	git hightouch schema --write deep/er/schemas/ >settings.json &&
	test "$(ls deep/er/schemas | wc -l)" = 8 &&
	test_cmp schemas/sync.schema.json deep/er/schemas/sync.schema.json &&
	grep "\"deep/er/schemas/sync.schema.json\": \"syncs/\*.yaml\"" \
		settings.json &&
	git hightouch schema --write deep/er/schemas >again.json &&
	test_cmp settings.json again.json &&
	: >deep/file &&
	test_expect_code 2 git hightouch schema --write deep/file/x \
		>out 2>err &&
	test ! -s out &&
	echo "fatal: cannot create '\''deep/file'\'': Not a directory" >expect &&
	test_cmp expect err
'

test_expect_success JQ 'all kinds in one document' '
	jq -e "keys | length == 8" all.json &&
	jq -S .sync all.json >a &&
	jq -S . schemas/sync.schema.json >b &&
	test_cmp a b
'

for fx in "$FIXTURES"/*/; do
	fx=$(basename "$fx")
	grep -qx agree "$FIXTURES/$fx/schema" 2>/dev/null || continue
	test_expect_success JSONSCHEMA "schemas agree with check: $fx" '
		fixture_repo repo "$fx" &&
		(cd repo && git hightouch check --format json --prefix "" \
			>../check.json 2>/dev/null; test $? -le 1) &&
		"$HT_PYTHON" "$AGREE" compare schemas repo check.json >out &&
		cat out
	'
done

test_expect_success JSONSCHEMA 'schemas agree with check: mutants' '
	"$HT_PYTHON" "$AGREE" mutate "$FIXTURES/clean-git-sync/head" mut \
		>count &&
	cat count &&
	n=$(sed -n "s/^# \\([0-9]*\\) mutants$/\\1/p" count) &&
	test "$n" -gt 500 &&
	(cd mut && git init -q && git hightouch check --format json \
		>../check.json 2>/dev/null; test $? -le 1) &&
	"$HT_PYTHON" "$AGREE" compare schemas mut check.json >out;
	status=$? &&
	tail -n 1 out &&
	grep DISAGREE out;
	test $status = 0
'

test_done
