"""Do the JSON Schemas of `git hightouch schema` agree with the C rules?

    lib-schema-agree.py compare SCHEMA_DIR REPO CHECK_JSON [PREFIX]
    lib-schema-agree.py mutate CLEAN_REPO OUT_REPO

compare: every YAML file of REPO that is a resource file, a manifest or an
aliases file is loaded with PyYAML (the YAML 1.2 core schema, as the C
reader resolves scalars; mapping keys kept as written) and validated with
python3-jsonschema against its kind's schema.  CHECK_JSON is the output of
`git hightouch check --format json` on REPO.  The C verdict of a file is
"fails" when it has an error of a schema-level rule (the rules that
`git hightouch check --list-rules` does not mark otherwise: see SCHEMA_RULES)
other than the file name's bad-slug; files the C reader rejects are left
out (the reader's rules are not the schema's).  Prints one line per file
and a summary; exits 1 on any disagreement.

mutate: writes into OUT_REPO the files of CLEAN_REPO plus mutants of its
resource files (fields deleted, nulled, retyped; schedules, query keys and
join keys broken in the ways the rules know), one file each.
"""

import copy
import json
import os
import re
import sys

import jsonschema
import yaml

SCHEMA_RULES = {
    'not-a-mapping', 'missing-field', 'wrong-type', 'bad-enum',
    'query-type-mismatch', 'bad-schedule', 'bad-slug',
    'alias-outside-section',
}

FOLDERS = {
    'models': 'model',
    'syncs': 'sync',
    'schema/parent-models': 'parent-model',
    'schema/related-models': 'related-model',
    'schema/event-models': 'event-model',
    'schema/model-relationships': 'relationship',
}


class Loader(yaml.SafeLoader):
    """YAML 1.2 core schema; keys are the text written."""


Loader.yaml_implicit_resolvers = {}


def _resolver(tag, regexp, first):
    Loader.add_implicit_resolver(tag, re.compile(regexp, re.X), list(first))


_resolver('tag:yaml.org,2002:bool', r'^(?:true|True|TRUE|false|False|FALSE)$',
          'tTfF')
_resolver('tag:yaml.org,2002:null', r'^(?:~|null|Null|NULL|)$',
          ['~', 'n', 'N', ''])
_resolver('tag:yaml.org,2002:int', r'^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$',
          '-+0123456789')
_resolver('tag:yaml.org,2002:float',
          r'''^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
              |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$''',
          '-+0123456789.')


def _int(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith('0o'):
        return int(v[2:], 8)
    if v.startswith('0x'):
        return int(v[2:], 16)
    return int(v, 10)


def _bool(loader, node):
    return loader.construct_scalar(node).lower() == 'true'


def _mapping(loader, node, deep=False):
    out = {}
    for k, v in node.value:
        key = k.value if isinstance(k, yaml.ScalarNode) else \
            loader.construct_object(k, deep=deep)
        out[key] = loader.construct_object(v, deep=deep)
    return out


Loader.add_constructor('tag:yaml.org,2002:int', _int)
Loader.add_constructor('tag:yaml.org,2002:bool', _bool)
Loader.add_constructor('tag:yaml.org,2002:map', _mapping)


def kind_of(path, prefix):
    top = path.split('/')[0]
    if '/' not in path:
        for kind in ('manifest', 'aliases'):
            if path.startswith(kind + '-') and path.endswith('.yaml') \
                    and len(path) > len(kind) + 6:
                return kind
        return None
    rest = path
    if prefix:
        if not path.startswith(prefix + '/'):
            return None
        rest = path[len(prefix) + 1:]
    del top
    folder, _, name = rest.rpartition('/')
    if folder in FOLDERS and name.endswith('.yaml') and len(name) > 5:
        return FOLDERS[folder]
    return None


def files_of(repo):
    for root, dirs, names in os.walk(repo):
        dirs[:] = [d for d in dirs if d != '.git']
        for n in names:
            full = os.path.join(root, n)
            yield os.path.relpath(full, repo).replace(os.sep, '/'), full


def compare(schema_dir, repo, check_json, prefix=''):
    prefix = prefix.strip('/')
    with open(check_json) as f:
        findings = json.load(f)['findings']
    c_fail, reader = {}, set()
    reader_rules = {'yaml-syntax', 'yaml-encoding', 'yaml-tab', 'yaml-tag',
                    'yaml-anchor', 'yaml-depth', 'duplicate-key',
                    'multi-document', 'file-size'}
    for d in findings:
        if d['rule'] in reader_rules:
            reader.add(d['path'])
        if d['severity'] != 'error' or d['rule'] not in SCHEMA_RULES:
            continue
        if d['rule'] == 'bad-slug' and d['line'] == 0:
            continue
        c_fail.setdefault(d['path'], []).append(d)
    validators = {}
    checked = failing = 0
    bad = []
    for path, full in sorted(files_of(repo)):
        kind = kind_of(path, prefix)
        if not kind or path in reader:
            continue
        if kind not in validators:
            with open(os.path.join(schema_dir, kind + '.schema.json')) as f:
                schema = json.load(f)
            jsonschema.Draft7Validator.check_schema(schema)
            validators[kind] = jsonschema.Draft7Validator(schema)
        try:
            with open(full, 'rb') as f:
                doc = yaml.load(f, Loader=Loader)
        except yaml.YAMLError:
            continue
        errors = list(validators[kind].iter_errors(doc))
        s_fails = bool(errors)
        checked += 1
        failing += s_fails
        if s_fails != (path in c_fail):
            bad.append(path)
            why = '; '.join(e.message for e in errors[:3]) or 'passes'
            c = '; '.join(d['message'] for d in c_fail.get(path, [])) \
                or 'passes'
            print('DISAGREE %s: schema: %s | check: %s' % (path, why, c))
        else:
            print('agree %s (%s)' % (path, 'fails' if s_fails else 'passes'))
    print('# %d files, %d failing, %d disagreements'
          % (checked, failing, len(bad)))
    return 1 if bad or not checked else 0


def mutants(kind, doc):
    """(name, document) pairs: one way to break (or not) each."""
    out = []
    if not isinstance(doc, dict):
        return out
    wrong = [7, 1.5, True, 'text', ['a'], {'a': 1}, None]
    for key in list(doc):
        d = copy.deepcopy(doc)
        del d[key]
        out.append(('del-' + key, d))
        for i, w in enumerate(wrong):
            d = copy.deepcopy(doc)
            d[key] = w
            out.append(('set-%s-%d' % (key, i), d))
    out.append(('extra-key', dict(doc, someNewField=1)))
    out.append(('empty', None))
    out.append(('list', [doc]))
    if kind in ('model', 'parent-model', 'related-model', 'event-model'):
        q = {'raw_sql': ('rawSql', 'select 1'), 'table': ('tableName', 't'),
             'dbt_model': ('dbtModel', 42), 'custom': ('customQuery', {'a': 1})}
        for t, (k, v) in q.items():
            base = {x: y for x, y in doc.items()
                    if x not in ('rawSql', 'tableName', 'dbtModel',
                                 'customQuery')}
            out.append(('type-%s' % t, dict(base, type=t, **{k: v})))
            out.append(('type-%s-missing' % t, dict(base, type=t)))
            for t2, (k2, v2) in q.items():
                if t2 != t:
                    out.append(('type-%s-with-%s' % (t, k2),
                                dict(base, type=t, **{k: v, k2: v2})))
                    out.append(('type-%s-null-%s' % (t, k2),
                                dict(base, type=t, **{k: v, k2: None})))
        out.append(('type-bad', dict(doc, type='sql')))
        out.append(('source-bad-slug', dict(doc, source='not a slug')))
    if kind == 'sync':
        schedules = [
            {'type': 'manual'},
            {'type': 'manual', 'startDate': '2024-01-01'},
            {'type': 'manual', 'extra': 1},
            {'type': 'interval'},
            {'type': 'interval', 'schedule': None},
            {'type': 'interval', 'schedule': {}},
            {'type': 'interval', 'schedule': {'interval': {'unit': 'day'}}},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'month', 'quantity': 1}}},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'day', 'quantity': 0}}},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'day', 'quantity': '1'}}},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'week', 'quantity': 2}},
             'startDate': '2024-01-01T10:00:00+0100'},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'week', 'quantity': 2}},
             'startDate': '2024-01-01T10:00:00+01:'},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'week', 'quantity': 2}},
             'startDate': 'yesterday'},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'week', 'quantity': 2}},
             'startDate': '2024-01-01\n'},
            {'type': 'interval',
             'schedule': {'interval': {'unit': 'week', 'quantity': 2}},
             'startDate': 20240101},
            {'type': 'cron', 'schedule': {'expression': '0 * * * *'}},
            {'type': 'cron', 'schedule': {'expression': '0 * * *'}},
            {'type': 'cron', 'schedule': {'expression': '0 * * * * *'}},
            {'type': 'cron', 'schedule': {'expression': '@daily * * * *'}},
            {'type': 'cron', 'schedule': {'expression': '0 * * * *\n'}},
            {'type': 'cron', 'schedule': {'expression': 5}},
            {'type': 'cron', 'schedule': {}},
            {'type': 'visual', 'schedule': {'expressions': []}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'days': {'monday': True}, 'time': '08:00'}]}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'days': {'monday': False}, 'time': '08:00'}]}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'days': {}, 'time': '08:00'}]}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'days': {'mon': True}, 'time': '08:00'}]}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'days': {'monday': 'yes'}, 'time': '08:00'}]}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'days': {'monday': True}, 'time': '8:00'}]}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'days': {'monday': True}}]}},
            {'type': 'visual', 'schedule': {'expressions': [
                {'time': '08:00'}]}},
            {'type': 'visual', 'schedule': {'expressions': ['x']}},
            {'type': 'dbt-cloud', 'schedule': {'account': {'id': 1},
                                               'job': {'id': '2'}}},
            {'type': 'dbt-cloud', 'schedule': {'account': {'id': ''},
                                               'job': {'id': 2}}},
            {'type': 'dbt-cloud', 'schedule': {'account': {'id': 1}}},
            {'type': 'dbt-cloud', 'schedule': {'account': {'id': True},
                                               'job': {'id': 2}}},
            {'type': 'sequence', 'schedule': {'members': []}},
            {'type': 'sequence'},
            {'type': 3, 'schedule': {}},
            {'schedule': {}},
        ]
        for i, s in enumerate(schedules):
            out.append(('schedule-%d' % i, dict(doc, schedule=s)))
        out.append(('model-bad-slug', dict(doc, model='a b')))
        out.append(('config-list', dict(doc, config=[])))
    if kind == 'relationship':
        for i, jk in enumerate([[], [{'from': 'a'}], [1], [{'from': 'a',
                                'to': 2}], [{'from': 'a', 'to': 'b',
                                             'x': 1}], 'a']):
            out.append(('joinkeys-%d' % i, dict(doc, joinKeys=jk)))
        out.append(('cardinality-bad', dict(doc, cardinality='many')))
    return out


def mutate(clean, out_repo):
    count = 0
    for path, full in sorted(files_of(clean)):
        dst = os.path.join(out_repo, path)
        os.makedirs(os.path.dirname(dst) or '.', exist_ok=True)
        with open(full, 'rb') as f:
            data = f.read()
        with open(dst, 'wb') as f:
            f.write(data)
        kind = kind_of(path, '')
        if kind in (None, 'manifest', 'aliases'):
            continue
        doc = yaml.load(data, Loader=Loader)
        folder, _, name = path.rpartition('/')
        slug = name[:-5]
        for mname, mdoc in mutants(kind, doc):
            mpath = os.path.join(out_repo, folder, 'm-%s-%s.yaml'
                                 % (slug, mname.replace('_', '-')))
            with open(mpath, 'w') as f:
                yaml.safe_dump(mdoc, f, sort_keys=False, allow_unicode=True)
            count += 1
    print('# %d mutants' % count)
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == 'compare':
        return compare(*argv[2:6])
    if len(argv) == 4 and argv[1] == 'mutate':
        return mutate(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
