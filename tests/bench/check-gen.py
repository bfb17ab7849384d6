"""Write a Git Sync repository of N files for tests/bench/check-bench.

    check-gen.py [--style gitsync] DIR N

Half models, half syncs (models/model-NNNNN.yaml, syncs/sync-NNNNN.yaml),
shaped like Git Sync output: raw SQL in literal block scalars, folded
descriptions, table, dbt and custom models; syncs with standard, template,
variable and reference mappings and every kind of schedule.  Plus
manifest-bench.yaml (30 sources and destinations) and aliases-bench.yaml.
Deterministic: the same N gives the same bytes.  Every file is valid, so
that every tool does its whole work on every file.

With --style gitsync, files in the shape of real Git Sync repositories
rather than this tool's own: smaller (about 0.4 KB), mappings indented by
one space and sequences not indented under their key, comment lines and
comments after values, descriptions folded (`>-`, `>`) or literal (`|`),
SQL in `|` and `|-` blocks, some values quoted.
"""

import os
import random
import sys

MANIFEST_BANNER = """# READ ONLY: the sources and destinations of Hightouch workspace
# 'bench', written by git-remote-hightouch on every fetch.  Change
# them in Hightouch; edits to this file are not pushed.
"""


def manifest(sources, destinations):
    out = [MANIFEST_BANNER, 'sources:\n']
    for s, t in sources:
        out.append('  %s:\n    name: %s\n    type: %s\n'
                   % (s, s.replace('-', ' ').title(), t))
    out.append('destinations:\n')
    for d, t in destinations:
        out.append('  %s:\n    name: %s\n    type: %s\n'
                   % (d, d.replace('-', ' ').title(), t))
    return ''.join(out)


def other_query(kind, i):
    """A model's query other than raw SQL, by `kind` (0.6 to 1)."""
    if kind < 0.8:
        return 'type: table\ntableName: ANALYTICS.PUBLIC.T%d\n' % (i % 113)
    if kind < 0.9:
        return 'type: dbt_model\ndbtModel: model.shop.m%d\n' % i
    return ('type: custom\ncustomQuery:\n  collection: c%d\n'
            '  filter:\n    active: true\n' % (i % 7))


def model(rnd, i, sources):
    src = rnd.choice(sources + ['warehouse'])
    kind = rnd.random()
    lines = ['name: Model %d (%s)\n' % (i, rnd.choice(['users', 'orders',
             'accounts', 'events', 'leads'])), 'source: %s\n' % src]
    if rnd.random() < 0.5:
        lines.append('description: >-\n  Rows of the %s table for the %s '
                     'team, refreshed\n  every %d hours.\n'
                     % (rnd.choice(['users', 'orders']),
                        rnd.choice(['growth', 'sales', 'ops']),
                        rnd.randint(1, 24)))
    if kind < 0.6:
        cols = ',\n         '.join('u.column_%d' % c
                                   for c in range(rnd.randint(4, 16)))
        lines.append('type: raw_sql\nrawSql: |-\n  select %s\n    from '
                     'analytics.public.table_%d u\n    join '
                     'analytics.public.plans p on p.id = u.plan_id\n   '
                     'where u.updated_at > current_date - %d\n'
                     % (cols, i % 97, rnd.randint(1, 90)))
    else:
        lines.append(other_query(kind, i))
    lines.append('isSchema: false\nprimaryKey: id\n')
    return ''.join(lines)


def mapping(rnd, m, unit, seq, note):
    """One entry of config.mappings: `unit` a level, `seq` before the `-`
    under the key (the key is at `unit`), `note` after a variable's name."""
    dash = unit + seq + '- '
    pad = ' ' * len(dash)
    r = rnd.random()
    if r < 0.7:
        return ('%sfrom: col_%d\n%sto: field_%d\n%stype: standard\n'
                % (dash, m, pad, m, pad))
    if r < 0.85:
        return ("%sto: label_%d\n%stype: template\n"
                "%stemplate: \"{{ row['A'] }} {{ row['B'] }}\"\n"
                % (dash, m, pad, pad))
    if r < 0.95:
        return ('%sto: run_%d%s\n%stype: variable\n%svariable: sync-run-id\n'
                % (dash, m, note, pad, pad))
    sub = pad + unit
    return ('%sto: company\n%stype: reference\n%slookup:\n%sby: domain\n'
            '%sfrom: company_domain\n%sobject: companies\n'
            % (dash, pad, pad, sub, sub, sub))


def sync_end(rnd, lines, unit, schedules):
    """externalIdMapping, the schedule and schedulePaused: the file."""
    lines.append('%sexternalIdMapping:\n%sfrom: id\n%sto: external_id\n'
                 '%stype: standard\n' % (unit, unit * 2, unit * 2, unit * 2))
    s = rnd.choice(schedules)
    lines.append(s % rnd.randint(1, 59) if '%' in s else s)
    lines.append('schedulePaused: %s\n' % rnd.choice(['false', 'true']))
    return ''.join(lines)


SCHEDULES = [
    'schedule:\n  type: manual\n',
    ('schedule:\n  type: interval\n  schedule:\n    interval:\n'
     '      unit: hour\n      quantity: %d\n'),
    ('schedule:\n  type: interval\n  schedule:\n    interval:\n'
     '      unit: day\n      quantity: 1\n'
     "  startDate: '2023-06-24T02:00:00.000Z'\n"),
    "schedule:\n  type: cron\n  schedule:\n    expression: '%d */4 * * 1-5'\n",
    ('schedule:\n  type: visual\n  schedule:\n    expressions:\n'
     '      - days:\n          monday: true\n          friday: true\n'
     "        time: '09:%02d'\n"),
]


def sync(rnd, i, nmodels, destinations):
    dest = rnd.choice(destinations + ['crm'])
    lines = ['model: model-%05d\n' % rnd.randrange(nmodels),
             'destination: %s\n' % dest]
    if rnd.random() < 0.3:
        lines.append('description: Sync %d to %s\n' % (i, dest))
    lines.append('config:\n  mode: %s\n  object: %s\n  mappings:\n'
                 % (rnd.choice(['upsert', 'update', 'insert']),
                    rnd.choice(['contacts', 'companies', 'Account'])))
    for m in range(rnd.randint(5, 30)):
        lines.append(mapping(rnd, m, '  ', '  ', ''))
    return sync_end(rnd, lines, '  ', SCHEDULES)


# --style gitsync: Git Sync's own shape, one space a level.

def one_space(text):
    """The text written one space a level, sequences not indented."""
    out = []
    for line in text.split('\n'):
        body = line.lstrip(' ')
        n = (len(line) - len(body)) // 2
        out.append(' ' * (n - body.startswith('- ')) + body)
    return '\n'.join(out)


def manifest_gitsync(sources, destinations):
    return one_space(manifest(sources, destinations))


def description_gitsync(rnd, what):
    r = rnd.random()
    if r < 0.35:
        return ('description: >-\n Rows of the %s table for the %s team,\n'
                ' refreshed every %d hours.\n'
                % (what, rnd.choice(['growth', 'sales', 'ops']),
                   rnd.randint(1, 24)))
    if r < 0.45:
        return ('description: >\n Owned by %s.\n\n See the runbook.\n'
                % rnd.choice(['growth', 'sales', 'ops']))
    if r < 0.55:
        return ('description: |\n %s, one row per id.\n Do not rename.\n'
                % what.title())
    if r < 0.65:
        return "description: '%s: every row'\n" % what.title()
    return ''


def model_gitsync(rnd, i, sources):
    src = rnd.choice(sources + ['warehouse'])
    what = rnd.choice(['users', 'orders', 'accounts', 'events', 'leads'])
    kind = rnd.random()
    lines = []
    if rnd.random() < 0.3:
        lines.append('# %s, for the %s team\n'
                     % (what, rnd.choice(['growth', 'sales', 'ops'])))
    lines.append('name: Model %d (%s)\nsource: %s\n' % (i, what, src))
    lines.append(description_gitsync(rnd, what))
    if kind < 0.6:
        lines.append('type: raw_sql\nrawSql: %s\n select u.id, u.email, '
                     'u.plan_id\n   from analytics.public.%s u\n'
                     '  where u.updated_at > current_date - %d\n'
                     % (rnd.choice(['|', '|-']), what, rnd.randint(1, 90)))
    else:
        lines.append(one_space(other_query(kind, i)))
    lines.append('primaryKey: id%s\n'
                 % rnd.choice(['', '', ' # the key of %s' % what]))
    return ''.join(lines)


SCHEDULES_GITSYNC = [one_space(s) for s in SCHEDULES]


def sync_gitsync(rnd, i, nmodels, destinations):
    dest = rnd.choice(destinations + ['crm'])
    lines = ['model: model-%05d\n' % rnd.randrange(nmodels),
             'destination: %s\n' % dest]
    if rnd.random() < 0.3:
        lines.append('description: >-\n Sync %d to %s, owned by the\n'
                     ' %s team.\n'
                     % (i, dest, rnd.choice(['growth', 'sales', 'ops'])))
    lines.append('config:\n mode: %s\n object: %s\n'
                 % (rnd.choice(['upsert', 'update', 'insert']),
                    rnd.choice(['contacts', 'companies', 'Account'])))
    if rnd.random() < 0.3:
        lines.append(' # the fields of the object\n')
    lines.append(' mappings:\n')
    for m in range(rnd.randint(1, 6)):
        lines.append(mapping(rnd, m, ' ', '', ' # for the audit'))
    return sync_end(rnd, lines, ' ', SCHEDULES_GITSYNC)


STYLES = {
    'own': (manifest, 'sources:\n  warehouse: snowflake-0\n'
            'destinations:\n  crm: hubspot-0\n', model, sync),
    'gitsync': (manifest_gitsync, 'sources:\n warehouse: snowflake-0\n'
                'destinations:\n crm: hubspot-0\n', model_gitsync,
                sync_gitsync),
}


def main(argv):
    style = 'own'
    if len(argv) > 2 and argv[1] == '--style':
        style = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) != 3 or style not in STYLES:
        sys.stderr.write(__doc__)
        return 2
    make_manifest, aliases, make_model, make_sync = STYLES[style]
    root, n = argv[1], int(argv[2])
    rnd = random.Random(20000)
    sources = [('snowflake-%d' % k, 'snowflake') for k in range(15)]
    destinations = [('hubspot-%d' % k, 'hubspot') for k in range(15)]
    os.makedirs(os.path.join(root, 'models'), exist_ok=True)
    os.makedirs(os.path.join(root, 'syncs'), exist_ok=True)
    with open(os.path.join(root, 'manifest-bench.yaml'), 'w') as f:
        f.write(make_manifest(sources, destinations))
    with open(os.path.join(root, 'aliases-bench.yaml'), 'w') as f:
        f.write(aliases)
    nmodels = n // 2
    src = [s for s, _ in sources]
    dst = [d for d, _ in destinations]
    for i in range(nmodels):
        with open(os.path.join(root, 'models', 'model-%05d.yaml' % i),
                  'w') as f:
            f.write(make_model(rnd, i, src))
    for i in range(n - nmodels):
        with open(os.path.join(root, 'syncs', 'sync-%05d.yaml' % i),
                  'w') as f:
            f.write(make_sync(rnd, i, nmodels, dst))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
