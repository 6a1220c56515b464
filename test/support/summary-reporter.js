/** Ends a jest run with the plain 'Tests: N passed, N failed, N skipped' line CI logs are read for. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const label = process.env.NEST_MAJOR ? `Tests (Nest ${process.env.NEST_MAJOR})` : 'Tests';
    process.stdout.write(`\n${label.replace(/ \(Nest (\d+)\)/, '-nest$1')}: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
