// The `salient` subcommands (SPEC §5). Each takes the arguments after its name and returns the
// process exit status: 0 ok, 1 error (message on stderr), 2 bad usage.
#pragma once

namespace salient::cli {

int run_info(int argc, char** argv);
int run_predict(int argc, char** argv);
int run_data(int argc, char** argv);
int run_train(int argc, char** argv);
int run_methods(int argc, char** argv);
int run_explain(int argc, char** argv);
int run_equivalences(int argc, char** argv);

}  // namespace salient::cli
