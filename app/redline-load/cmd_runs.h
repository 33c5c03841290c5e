// redline-load's run store front end (docs/runs.md): `run ... --save [--runs-db FILE]` and
// `runs list|show|compare|report|delete`. app/ only: it wires core/load/run_store.h, run_recorder.h and
// report_html.h to the command line.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/load/engine.h"
#include "core/load/run_recorder.h"

namespace redline::loadcli {

/// The runs database: `given` (--runs-db / --db) if not empty, else $REDLINE_RUNS_DB, else
/// $XDG_DATA_HOME/redline/runs.db, else $HOME/.local/share/redline/runs.db. *is_default: the last two.
/// "" and *error when there is none (no HOME).
std::string runs_db_path(const std::string& given, bool* is_default, std::string* error);

/// `redline-load run ... --save`: the record of one run.
/// Threading: start() and finish() on the CLI's thread; the engine's control thread calls the on_second
/// callback it installs.
class RunSaver {
  public:
    /// Opens (creates) the store and inserts the run as "incomplete"; sets opt.run_id when empty (to the
    /// record's id) and opt.on_second. nullptr and *error (one line) when the store cannot be used.
    static std::unique_ptr<RunSaver> start(const std::string& db_option, const load::Scenario& sc,
                                           load::EngineOptions& opt, std::string* error);
    /// Stores the end of the run; prints where it went (unless quiet) and any loss on stderr.
    /// false when the record could not be completed.
    bool finish(const load::Summary& s, bool quiet);

  private:
    std::unique_ptr<load::RunRecorder> recorder_;
};

/// `redline-load runs list|show|compare|report|delete ...` (args[0] == "runs"); returns the exit code.
int cmd_runs(const std::vector<std::string>& args);

}  // namespace redline::loadcli
