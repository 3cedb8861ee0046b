// Month and weekday names in English, German, French, Spanish, Portuguese, Dutch and Italian, folded
// (lower case, no accents), for reading the dates that out-of-office replies state.

const MONTHS: string[][] = [
  ['january', 'januar', 'janner', 'janvier', 'enero', 'janeiro', 'januari', 'gennaio'],
  ['february', 'februar', 'fevrier', 'febrero', 'fevereiro', 'februari', 'febbraio'],
  ['march', 'marz', 'mars', 'marzo', 'marco', 'maart', 'mrt'],
  ['april', 'avril', 'abril', 'aprile'],
  ['may', 'mai', 'mayo', 'maio', 'mei', 'maggio'],
  ['june', 'juni', 'juin', 'junio', 'junho', 'giugno'],
  ['july', 'juli', 'juillet', 'julio', 'julho', 'luglio'],
  ['august', 'aout', 'agosto', 'augustus'],
  ['september', 'septembre', 'septiembre', 'setiembre', 'setembro', 'settembre', 'sept'],
  ['october', 'oktober', 'octobre', 'octubre', 'outubro', 'ottobre'],
  ['november', 'novembre', 'noviembre', 'novembro'],
  ['december', 'dezember', 'decembre', 'diciembre', 'dezembro', 'dicembre'],
];

const WEEKDAYS: string[][] = [
  ['sunday', 'sonntag', 'dimanche', 'domingo', 'zondag', 'domenica'],
  ['monday', 'montag', 'lundi', 'lunes', 'segunda', 'segunda-feira', 'maandag', 'lunedi'],
  ['tuesday', 'dienstag', 'mardi', 'martes', 'terca', 'terca-feira', 'dinsdag', 'martedi'],
  ['wednesday', 'mittwoch', 'mercredi', 'miercoles', 'quarta', 'quarta-feira', 'woensdag', 'mercoledi'],
  ['thursday', 'donnerstag', 'jeudi', 'jueves', 'quinta', 'quinta-feira', 'donderdag', 'giovedi'],
  ['friday', 'freitag', 'vendredi', 'viernes', 'sexta', 'sexta-feira', 'vrijdag', 'venerdi'],
  ['saturday', 'samstag', 'samedi', 'sabado', 'zaterdag', 'sabato'],
];

/** Folded month name → 1..12. */
export const MONTH_NAMES: ReadonlyMap<string, number> = new Map(MONTHS.flatMap((names, i) => names.map((n) => [n, i + 1] as const)));

/** Folded weekday name → 0 (Sunday) .. 6. */
export const WEEKDAY_NAMES: ReadonlyMap<string, number> = new Map(WEEKDAYS.flatMap((names, i) => names.map((n) => [n, i] as const)));
