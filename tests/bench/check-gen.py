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
    elif kind < 0.8:
        lines.append('type: table\ntableName: ANALYTICS.PUBLIC.T%d\n'
                     % (i % 113))
    elif kind < 0.9:
        lines.append('type: dbt_model\ndbtModel: model.shop.m%d\n' % i)
    else:
        lines.append('type: custom\ncustomQuery:\n  collection: c%d\n'
                     '  filter:\n    active: true\n' % (i % 7))
    lines.append('isSchema: false\nprimaryKey: id\n')
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
        r = rnd.random()
        if r < 0.7:
            lines.append('    - from: col_%d\n      to: field_%d\n'
                         '      type: standard\n' % (m, m))
        elif r < 0.85:
            lines.append("    - to: label_%d\n      type: template\n"
                         "      template: \"{{ row['A'] }} {{ row['B'] }}\"\n"
                         % m)
        elif r < 0.95:
            lines.append('    - to: run_%d\n      type: variable\n'
                         '      variable: sync-run-id\n' % m)
        else:
            lines.append('    - to: company\n      type: reference\n'
                         '      lookup:\n        by: domain\n'
                         '        from: company_domain\n'
                         '        object: companies\n')
    lines.append('  externalIdMapping:\n    from: id\n    to: external_id\n'
                 '    type: standard\n')
    s = rnd.choice(SCHEDULES)
    lines.append(s % rnd.randint(1, 59) if '%' in s else s)
    lines.append('schedulePaused: %s\n' % rnd.choice(['false', 'true']))
    return ''.join(lines)


# --style gitsync: Git Sync's own shape, one space a level.

def manifest_gitsync(sources, destinations):
    out = [MANIFEST_BANNER, 'sources:\n']
    for s, t in sources:
        out.append(' %s:\n  name: %s\n  type: %s\n'
                   % (s, s.replace('-', ' ').title(), t))
    out.append('destinations:\n')
    for d, t in destinations:
        out.append(' %s:\n  name: %s\n  type: %s\n'
                   % (d, d.replace('-', ' ').title(), t))
    return ''.join(out)


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
    elif kind < 0.8:
        lines.append('type: table\ntableName: ANALYTICS.PUBLIC.T%d\n'
                     % (i % 113))
    elif kind < 0.9:
        lines.append('type: dbt_model\ndbtModel: model.shop.m%d\n' % i)
    else:
        lines.append('type: custom\ncustomQuery:\n collection: c%d\n'
                     ' filter:\n  active: true\n' % (i % 7))
    lines.append('primaryKey: id%s\n'
                 % rnd.choice(['', '', ' # the key of %s' % what]))
    return ''.join(lines)


SCHEDULES_GITSYNC = [
    'schedule:\n type: manual\n',
    ('schedule:\n type: interval\n schedule:\n  interval:\n'
     '   unit: hour\n   quantity: %d\n'),
    ('schedule:\n type: interval\n schedule:\n  interval:\n'
     '   unit: day\n   quantity: 1\n'
     " startDate: '2023-06-24T02:00:00.000Z'\n"),
    "schedule:\n type: cron\n schedule:\n  expression: '%d */4 * * 1-5'\n",
    ('schedule:\n type: visual\n schedule:\n  expressions:\n'
     '  - days:\n     monday: true\n     friday: true\n'
     "    time: '09:%02d'\n"),
]


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
        r = rnd.random()
        if r < 0.7:
            lines.append(' - from: col_%d\n   to: field_%d\n'
                         '   type: standard\n' % (m, m))
        elif r < 0.85:
            lines.append(" - to: label_%d\n   type: template\n"
                         "   template: \"{{ row['A'] }} {{ row['B'] }}\"\n"
                         % m)
        elif r < 0.95:
            lines.append(' - to: run_%d # for the audit\n   type: variable\n'
                         '   variable: sync-run-id\n' % m)
        else:
            lines.append(' - to: company\n   type: reference\n'
                         '   lookup:\n    by: domain\n'
                         '    from: company_domain\n'
                         '    object: companies\n')
    lines.append(' externalIdMapping:\n  from: id\n  to: external_id\n'
                 '  type: standard\n')
    s = rnd.choice(SCHEDULES_GITSYNC)
    lines.append(s % rnd.randint(1, 59) if '%' in s else s)
    lines.append('schedulePaused: %s\n' % rnd.choice(['false', 'true']))
    return ''.join(lines)


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
