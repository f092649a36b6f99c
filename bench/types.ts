export interface BenchRow {
  benchmark: string;
  database?: 'pglite' | 'postgres';
  measure: string;
  value: string | number;
  goal?: string;
  note?: string;
}

export interface Benchmark {
  name: string;
  run(): Promise<BenchRow[]>;
}
