// The generated contacts of the contacts benches (contacts-import.mjs, campaign.mjs): row i is
// User<i>@d<i mod domains>.bench.test with a first and last name (the last quoted, with a comma),
// a company and a time zone, as a CSV with CRLF line ends and a header.

/** Contact i's address, as the CSV writes it (the import lower-cases it). */
export const contactAddress = (i, domainCount) => `User${i}@d${i % domainCount}.bench.test`;

/** A CSV of `rows` contacts over `domainCount` domains, starting at contact `first`. */
export function contactsCsv(rows, domainCount, first = 0) {
  const lines = ['email,first_name,last_name,company,timezone'];
  for (let i = first; i < first + rows; i++) {
    lines.push(`${contactAddress(i, domainCount)},First${i},"Last, ${i}",Company ${i % 977},Europe/Berlin`);
  }
  return lines.join('\r\n') + '\r\n';
}
