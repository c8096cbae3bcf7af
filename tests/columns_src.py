#!/usr/bin/env python3
"""columns_src.py -- helper of tests/columns.sh: the column names cardctl and cardd read, and the
SQL statements of libcard whose results they read them from.

  columns_src.py reads SRCDIR      one line per read: FILE<TAB>COLUMN, or FILE<TAB>?EXPR for a
                               name the script cannot resolve (the test fails on those)
  columns_src.py describe SRCDIR   a psql script that describes (\\gdesc) every statement of
                               libcard/*.c, each after a line "\\echo @@ NAME"

Reads are the typed readers of tools/rowsout.h and card/rows.h (row_text/_int/_bool/_null,
card_rows_text/_int/_bool/_null/_col) with a literal name, or with an element of a name table
of the same file (a `const char *...names[]`/`cols[]` array or a `struct rows_col` table,
whose entries are columns; a leading '$' marks an amount and is not part of the name).
"""
import glob
import os
import re
import sys

READ = re.compile(r'\b(?:row_(?:text|int|bool|null)|card_rows_(?:text|int|bool|null|col))\s*\('
                  r'(?P<args>(?:[^()]|\([^()]*\))*)\)')
LIT = re.compile(r'"((?:[^"\\]|\\.)*)"')
NAME_TABLE = re.compile(r'const\s+char\s*\*\s*(?:const\s+)?(?P<id>\w+)\s*\[\s*\]\s*=\s*\{(?P<body>[^;]*?)\}\s*;',
                        re.S)
ROWS_COL = re.compile(r'struct\s+rows_col\s+(?P<id>\w+)\s*\[\s*\]\s*=\s*\{(?P<body>.*?)\}\s*;', re.S)
STMT = re.compile(r'struct\s+stmt\s+(?P<id>\w+)\s*=\s*\{(?P<body>.*?)\}\s*;', re.S)


def split_args(s):
    out, depth, cur = [], 0, ''
    for ch in s:
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
            continue
        depth += ch in '([{'
        depth -= ch in ')]}'
        cur += ch
    out.append(cur.strip())
    return out


def strip_comments(src):
    return re.sub(r'/\*.*?\*/', ' ', src, flags=re.S)


FUNC_DEF = re.compile(r'^[a-z_][\w \*]*?\b(\w+)\s*\([^;{]*\)\s*\{', re.M)
CARD_CALL = re.compile(r'\b(card_\w+)\s*\(((?:[^()]|\([^()]*\))*)\)')


def bodies(src):
    """(name, body) of each top-level function of a C file (comments stripped)."""
    for m in FUNC_DEF.finditer(src):
        end = src.find('\n}\n', m.end())
        if end < 0:
            continue
        yield m.group(1), src[m.end():end]


def reads(srcdir):
    files = sorted(glob.glob(os.path.join(srcdir, 'tools', '*.c')) +
                   glob.glob(os.path.join(srcdir, 'daemon', '*.c')))
    for path in files:
        if path.endswith('rowsout.c'):
            continue  # the readers themselves, and the generic printers
        src = strip_comments(open(path, encoding='utf-8').read())
        rel = os.path.relpath(path, srcdir)
        tables = {}
        for m in NAME_TABLE.finditer(src):
            tables.setdefault(m.group('id'), []).extend(LIT.findall(m.group('body')))
        coltables = {}
        for m in ROWS_COL.finditer(src):
            coltables[m.group('id')] = [LIT.findall(e)[0] for e in re.findall(r'\{[^{}]*\}', m.group('body'))]
        file_tables, file_coltables = tables, coltables
        for fname, body in bodies(src):
            # a table declared in the function hides one of the same name elsewhere in the file
            tables, coltables = dict(file_tables), dict(file_coltables)
            for m in NAME_TABLE.finditer(body):
                tables[m.group('id')] = LIT.findall(m.group('body'))
            for m in ROWS_COL.finditer(body):
                coltables[m.group('id')] = [LIT.findall(e)[0] for e in re.findall(r'\{[^{}]*\}', m.group('body'))]
            origin = {}
            for m in CARD_CALL.finditer(body):
                for arg in split_args(m.group(2)):
                    v = re.fullmatch(r'&\s*(\w+)', arg)
                    if v and re.search(r'card_rows\s*\*\s*(?:[\w\s=,*]*,\s*\*?\s*)?' + v.group(1) + r'\b', body):
                        origin[v.group(1)] = m.group(1)
            # rows_print(f, var, cols, n) and rows_report(var, ..., names, ...): table columns
            for m in re.finditer(r'\brows_print\(\s*\w+\s*,\s*(\w+)\s*,\s*(\w+)', body):
                for n in coltables.get(m.group(2), []):
                    print(f'{rel}\t{n}\t{origin.get(m.group(1), "-")}')
            for m in re.finditer(r'\brows_report\(\s*(\w+)\s*,((?:[^()]|\([^()]*\))*)\)', body):
                args = split_args(m.group(2))
                for a in args:
                    for n in tables.get(a, []):
                        print(f'{rel}\t{n.lstrip("$")}\t{origin.get(m.group(1), "-")}')
            for m in READ.finditer(body):
                args = split_args(m.group('args'))
                var = args[0] if args else ''
                func = origin.get(var, '-')
                arg = args[2] if len(args) >= 3 else ''
                lit = LIT.fullmatch(arg)
                if lit:
                    print(f'{rel}\t{lit.group(1)}\t{func}')
                    continue
                ident = re.match(r'(\w+)\s*\[', arg)
                if ident and ident.group(1) in tables:
                    for n in tables[ident.group(1)]:
                        print(f'{rel}\t{n.lstrip("$")}\t{func}')
                    continue
                if ident:
                    # a parameter: every name table of the file may be passed in
                    found = [n for t, ns in tables.items() if t.lower().endswith(('names', 'cols')) for n in ns]
                    if found:
                        for n in found:
                            print(f'{rel}\t{n.lstrip("$")}\t-')
                        continue
                print(f'{rel}\t?{arg}\t-')


def funcs(srcdir):
    direct, calls = {}, {}
    for path in sorted(glob.glob(os.path.join(srcdir, 'libcard', '*.c'))):
        src = strip_comments(open(path, encoding='utf-8').read())
        base = os.path.basename(path)
        stmts = {m.group('id') for m in STMT.finditer(src)}
        names = {m.group('id'): LIT.findall(m.group('body'))[0] for m in STMT.finditer(src)}
        for fname, body in bodies(src):
            refs = {f'{base}:{names[r]}' for r in re.findall(r'&\s*([A-Z_][A-Z0-9_]*)\b', body) if r in stmts}
            # a static helper handed a statement (report(st, &ANNEX4, ...)) is seen here too
            direct.setdefault(fname, set()).update(refs)
            calls.setdefault(fname, set()).update(re.findall(r'\b(card_\w+)\s*\(', body))
    for f in sorted(direct):
        if not f.startswith('card_'):
            continue
        seen, todo, out = set(), [f], set()
        while todo:
            g = todo.pop()
            if g in seen:
                continue
            seen.add(g)
            out |= direct.get(g, set())
            todo.extend(c for c in calls.get(g, ()) if c in direct)
        for st in sorted(out):
            print(f'{f}\t{st}')


def c_string(body):
    return ''.join(bytes(s, 'utf-8').decode('unicode_escape') if '\\' in s else s
                   for s in LIT.findall(body))


def describe(srcdir):
    print('\\set ON_ERROR_STOP 0')
    for path in sorted(glob.glob(os.path.join(srcdir, 'libcard', '*.c'))):
        src = strip_comments(open(path, encoding='utf-8').read())
        for m in STMT.finditer(src):
            lits = LIT.findall(m.group('body'))
            if len(lits) < 2:
                continue
            name = lits[0]
            sql = c_string('"' + '" "'.join(lits[1:]) + '"')
            print(f'\\echo @@ {os.path.basename(path)}:{name}')
            print(sql.strip().rstrip(';') + ' \\gdesc')


if __name__ == '__main__':
    {'reads': reads, 'describe': describe, 'funcs': funcs}[sys.argv[1]](sys.argv[2])
