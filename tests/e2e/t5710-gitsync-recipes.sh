#!/bin/sh

test_description='docs/gitsync.md: the recipes run as written

Each recipe of docs/gitsync.md runs here against hightouch-emulator, with a
bare repository standing in for the git host.  Nothing of a recipe is
edited: git itself maps the URLs (url.<base>.insteadOf), hightouch://WS to
the emulator and the git host URL of GitLab to the bare repository, and
the variables a CI system sets are set.  Of the GitHub Actions workflow,
the run: commands of a job are run in order in a clone made as
actions/checkout makes it, except the step that builds this project,
which the tests have built.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-docs.sh"

python3 -c 'import yaml' 2>/dev/null && test_set_prereq PYYAML

# yaml_runs FILE PATH...: the run: or script: commands found at the
# Python subscript PATH of the YAML FILE, one a line, the build step aside
yaml_runs() {
	python3 - "$@" <<-\PY
	import sys, yaml
	doc = yaml.safe_load(open(sys.argv[1]))
	node = doc
	for key in sys.argv[2:]:
	    node = node[key]
	for step in node:
	    if isinstance(step, str):
	        print(step)
	    elif "run" in step and not step.get("name", "").startswith("Build "):
	        print(step["run"])
	PY
}

# a UI change and a teammate change merged on the git host
changes() {
	ui PATCH /models/1 "{\"name\": \"Users ($1)\"}" &&
	git -C dev pull -q --no-rebase origin main &&
	sed -i "s/^primaryKey: .*/primaryKey: $1_id/" dev/models/accounts.yaml &&
	git -C dev commit -q -am "Accounts by $1_id" &&
	git -C dev push -q origin main
}

# both changes are on both sides
in_step() {
	git -C host.git show main:models/users.yaml >f &&
	grep "^name: Users ($1)$" f &&
	api GET /models/2 && expect_status 200 &&
	test "$(jq -r .primaryKey body)" = "$1_id"
}

test_expect_success 'setup: the workspace, the git host, a teammate' '
	ht_start workspaces/t5-small.json &&
	git config --global url."${HT_URL%/test}/".insteadOf hightouch:// &&
	git init -q --bare host.git &&
	git clone -q "$HT_URL" seed &&
	git -C seed push -q ../host.git main &&
	git clone -q host.git dev
'

test_expect_success PYYAML 'GitHub Actions: a pull request is checked' '
	doc_example docs/gitsync.md github-gitsync >workflow.yml &&
	yaml_runs workflow.yml jobs check steps >check.sh &&
	sed -i "s/\${{ github.base_ref }}/main/g" check.sh &&
	grep "git hightouch check --base origin/main --format github" check.sh &&
	git clone -q host.git pr &&
	git -C pr checkout -q -b topic &&
	sed -i "s/^primaryKey: .*/primaryKey: 3/" pr/models/accounts.yaml &&
	git -C pr commit -q -am "A number for a key" &&
	test_expect_code 1 sh -ec "cd pr && sh -e ../check.sh" >out &&
	grep "^::error file=models/accounts.yaml,line=" out &&
	git -C pr reset -q --hard origin/main &&
	(cd pr && sh -e ../check.sh) >out &&
	test ! -s out &&
	jq -e ".version == \"2.1.0\"" pr/hightouch.sarif
'

test_expect_success PYYAML 'GitHub Actions: a round on the default branch' '
	changes github &&
	yaml_runs workflow.yml jobs gitsync steps >gitsync.sh &&
	sed -i -e "s/\${{ vars.HIGHTOUCH_WORKSPACE }}/test/g" \
		-e "s/\${{ github.event.repository.default_branch }}/main/g" \
		gitsync.sh &&
	! grep "[$]{{" gitsync.sh &&
	git clone -q host.git runner &&
	(cd runner && sh -e ../gitsync.sh) >out &&
	grep "in step$" out &&
	in_step github
'

test_expect_success PYYAML 'GitLab CI: a merge request is checked' '
	doc_example docs/gitsync.md gitlab-gitsync >gitlab.yml &&
	yaml_runs gitlab.yml hightouch-check script >mr.sh &&
	git clone -q host.git mr &&
	sed -i "s/^primaryKey: .*/primaryKey: 3/" mr/models/accounts.yaml &&
	git -C mr commit -q -am "A number for a key" &&
	test_expect_code 1 env CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
		sh -ec "cd mr && sh -e ../mr.sh" >out 2>&1 &&
	grep "models/accounts.yaml:[0-9]*:[0-9]*: error:" out &&
	jq -e "length > 0 and (.[0].location.path == \"models/accounts.yaml\")" \
		mr/gl-code-quality.json &&
	git -C mr reset -q --hard origin/main &&
	CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main sh -ec "cd mr && sh -e ../mr.sh" &&
	jq -e "length == 0" mr/gl-code-quality.json
'

test_expect_success PYYAML 'GitLab CI: a round on the default branch' '
	changes gitlab &&
	yaml_runs gitlab.yml hightouch-gitsync script >round.sh &&
	git config --global url."$TRASH_DIRECTORY/host.git".insteadOf \
		"https://gitsync:glpat-x@gitlab.example/acme/analytics.git" &&
	git clone -q host.git glrunner &&
	git -C glrunner checkout -q --detach &&
	(
		cd glrunner &&
		CI_DEFAULT_BRANCH=main HIGHTOUCH_WORKSPACE=test \
		GITSYNC_PUSH_TOKEN=glpat-x CI_SERVER_HOST=gitlab.example \
		CI_PROJECT_PATH=acme/analytics sh -e ../round.sh
	) >out &&
	grep "in step$" out &&
	in_step gitlab
'

test_expect_success 'cron: the crontab line' '
	changes cron &&
	git clone -q host.git srv &&
	git -C srv remote add hightouch hightouch://test &&
	doc_example docs/gitsync.md cron-gitsync >crontab &&
	cut -d" " -f6- crontab |
		sed -e "s|/srv/acme|$TRASH_DIRECTORY/srv|" \
			-e "s|/var/log/|$TRASH_DIRECTORY/|" >cron.sh &&
	sh -e cron.sh &&
	jq -e ".status == \"in step\"" hightouch-gitsync.log &&
	in_step cron
'

test_expect_success 'systemd: the service as the timer starts it' '
	changes systemd &&
	doc_example docs/gitsync.md systemd-service >unit &&
	dir=$(sed -n "s/^WorkingDirectory=//p" unit) &&
	test "$dir" = /srv/acme &&
	printf "HIGHTOUCH_API_KEY=%s\n" "$HIGHTOUCH_API_KEY" >acme.env &&
	sed -n "s/^ExecStart=//p" unit |
		sed "s|^/usr/local/bin/git |git |" >exec.sh &&
	(
		unset HIGHTOUCH_API_KEY &&
		set -a && . ./acme.env && set +a &&
		cd srv && sh -e ../exec.sh
	) >out &&
	grep "in step$" out &&
	in_step systemd
'

test_expect_success 'two workspaces: a branch each, a key each' '
	ht_start_pair &&
	git config --global url."${STAGING_URL%/staging}/acme-staging".insteadOf \
		hightouch://acme-staging &&
	git config --global url."${PROD_URL%/production}/acme-prod".insteadOf \
		hightouch://acme-prod &&
	git init -q --bare -b main host2.git &&
	git clone -q hightouch://acme-staging st &&
	git -C st push -q ../host2.git main &&
	(
		HIGHTOUCH_API_KEY=$PRODUCTION_KEY &&
		git clone -q hightouch://acme-prod pr2
	) &&
	git -C pr2 push -q ../host2.git main:production &&
	git clone -q host2.git ops &&
	doc_example docs/gitsync.md two-workspaces >two.sh &&
	(
		unset HIGHTOUCH_API_KEY &&
		STAGING_HIGHTOUCH_KEY=$STAGING_KEY &&
		PRODUCTION_HIGHTOUCH_KEY=$PRODUCTION_KEY &&
		export STAGING_HIGHTOUCH_KEY PRODUCTION_HIGHTOUCH_KEY &&
		cd ops && sh -e ../two.sh
	) >out &&
	test "$(grep -c "in step$" out)" = 2 &&
	(
		EMU_URL=$(cat prod-url) &&
		ui PATCH /destinations/1 "{\"name\": \"HubSpot (prod)\"}"
	) &&
	grep "gitsync" two.sh >rounds.sh &&
	(
		unset HIGHTOUCH_API_KEY &&
		STAGING_HIGHTOUCH_KEY=$STAGING_KEY &&
		PRODUCTION_HIGHTOUCH_KEY=$PRODUCTION_KEY &&
		export STAGING_HIGHTOUCH_KEY PRODUCTION_HIGHTOUCH_KEY &&
		cd ops && sh -e ../rounds.sh
	) >out &&
	printf "%s\n" "outbound 0 commits, inbound 0 changes, in step" \
		"outbound 1 commit, inbound 0 changes, in step" >expect &&
	test_cmp expect out &&
	git -C host2.git show production:manifest-acme-prod.yaml >m &&
	grep "HubSpot (prod)" m &&
	git -C host2.git show main:manifest-acme-staging.yaml >m &&
	! grep "HubSpot (prod)" m
'

test_done
