// A parser for the Prometheus text exposition format (version 0.0.4), enough to check what
// /metrics serves: HELP and TYPE lines, samples with labels (escapes included) and values.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2]!);
      if (meta[1] === 'TYPE') f.type = meta[3]!;
      else f.help = meta[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const s = parseSample(line);
    // Histogram and summary samples (_bucket, _sum, _count) belong to their base family.
    const base = [...families.keys()].find((n) => s.name === n || (/_(bucket|sum|count)$/.test(s.name) && s.name.replace(/_(bucket|sum|count)$/, '') === n));
    family(base ?? s.name).samples.push(s);
  }
  return families;
}

function parseSample(line: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!m) throw new Error(`bad sample line: ${line}`);
  const name = m[1]!;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const k = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
      if (!k) throw new Error(`bad label in: ${line}`);
      i += k[0].length;
      let v = '';
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error(`unterminated label value in: ${line}`);
        if (line[i] === '\\') {
          const n = line[i + 1];
          v += n === 'n' ? '\n' : n;
          i += 2;
        } else v += line[i++];
      }
      labels[k[1]!] = v;
      i++;
      if (line[i] === ',') i++;
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const text = rest[0]!;
  // As Prometheus reads it (Go's ParseFloat): NaN and Inf in any case.
  const t = text.toLowerCase();
  const value = t === '+inf' || t === 'inf' ? Infinity : t === '-inf' ? -Infinity : t === 'nan' ? NaN : Number(text);
  if (Number.isNaN(value) && t !== 'nan') throw new Error(`bad value in: ${line}`);
  return { name, labels, value };
}

/** The value of the one sample with this name and these labels (a subset match); throws if absent. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
}
