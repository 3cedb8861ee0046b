// The shapes of /v1/placement as the dashboard reads them (docs/placement.md), and the calls.
import { api, type Page } from './api';

export type PlacementResult = 'inbox' | 'spam' | 'missing' | 'pending';

export interface PlacementSummary {
  total: number;
  inbox: number;
  spam: number;
  missing: number;
  pending: number;
}

export interface PlacementTest {
  id: string;
  identity: string;
  seeds: string;
  subject: string;
  state: 'running' | 'finished' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  summary: PlacementSummary;
}

export interface SeedResult {
  seed: string;
  address: string;
  result: PlacementResult;
  folder: string | null;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  authResults: string | null;
  arrivedAt: string | null;
  messageId: string | null;
}

export interface PlacementDetail extends PlacementTest {
  results: SeedResult[];
}

export const placementTests = () => api<Page<PlacementTest>>('GET', '/v1/placement?limit=100');
export const placementTest = (id: string) => api<PlacementDetail>('GET', `/v1/placement/${encodeURIComponent(id)}`);
