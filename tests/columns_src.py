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


def reads(srcdir):
    files = sorted(glob.glob(os.path.join(srcdir, 'tools', '*.c')) +
                   glob.glob(os.path.join(srcdir, 'daemon', '*.c')))
    for path in files:
        src = strip_comments(open(path, encoding='utf-8').read())
        rel = os.path.relpath(path, srcdir)
        tables = {}
        for m in NAME_TABLE.finditer(src):
            tables.setdefault(m.group('id'), []).extend(LIT.findall(m.group('body')))
        for m in ROWS_COL.finditer(src):
            names = [LIT.findall(e)[0] for e in re.findall(r'\{[^{}]*\}', m.group('body'))]
            for n in names:
                print(f'{rel}\t{n}')
        for m in READ.finditer(src):
            args = split_args(m.group('args'))
            if path.endswith('rowsout.c'):
                continue  # the readers themselves, and the generic printers
            arg = args[2] if len(args) >= 3 else ''
            lit = LIT.fullmatch(arg)
            if lit:
                print(f'{rel}\t{lit.group(1)}')
                continue
            ident = re.match(r'(\w+)\s*\[', arg)
            if ident and ident.group(1) in tables:
                for n in tables[ident.group(1)]:
                    print(f'{rel}\t{n.lstrip("$")}')
                continue
            if ident:
                # a parameter: every name table of the file may be passed in
                found = [n for t, ns in tables.items() if t.lower().endswith(('names', 'cols')) for n in ns]
                if found:
                    for n in found:
                        print(f'{rel}\t{n.lstrip("$")}')
                    continue
            print(f'{rel}\t?{arg}')


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
    {'reads': reads, 'describe': describe}[sys.argv[1]](sys.argv[2])
