// Placeholder presets (replaced by the full data with sources).
export interface Preset { name: 'gmail' | 'm365' | 'esp'; host?: string; port: number; tls: 'starttls' | 'implicit'; hardCaps: { daily?: number; hourly?: number; perMinute?: number }; defaultCaps: { daily: number; hourly?: number; minGapSeconds: number }; notes: string; sources: string[] }
export const PRESETS: Record<'gmail' | 'm365' | 'esp', Preset> = {
  gmail: { name: 'gmail', host: 'smtp.gmail.com', port: 587, tls: 'starttls', hardCaps: { daily: 2000 }, defaultCaps: { daily: 40, minGapSeconds: 120 }, notes: '', sources: [] },
  m365: { name: 'm365', host: 'smtp.office365.com', port: 587, tls: 'starttls', hardCaps: { daily: 10000, perMinute: 30 }, defaultCaps: { daily: 40, minGapSeconds: 120 }, notes: '', sources: [] },
  esp: { name: 'esp', port: 587, tls: 'starttls', hardCaps: {}, defaultCaps: { daily: 40, minGapSeconds: 120 }, notes: '', sources: [] },
};
