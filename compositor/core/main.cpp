#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "compositor/core/backend.hpp"
#include "compositor/core/options.hpp"
#include "compositor/core/server.hpp"
#include "compositor/core/wlroots_log.hpp"
#include "sync/unique_fd.hpp"
#include "sluice-config.h"

int main(int argc, char *argv[]) {
    std::vector<std::string> args(argv + 1, argv + argc);
    sluice::ParseResult parsed = sluice::parse_options(args);
    if (!parsed.options) {
        fprintf(stderr, "%s\n", parsed.error.c_str());
        return 2;
    }
    const sluice::Options &options = *parsed.options;
    if (options.show_help) {
        fputs(sluice::usage_text(), stdout);
        return 0;
    }
    if (options.show_version) {
        printf("sluice %s (wlroots %s)\n", SLUICE_VERSION, WLR_VERSION_STR);
        return 0;
    }

    sluice::Options options_with_limit = options;
    // Every held commit, client buffer and fence costs an fd; a desktop's
    // worth of clients can outgrow the default soft limit of 1024.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        options_with_limit.inherited_fd_limit = limit.rlim_cur;
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &raised);
    }

    (void)sluice::log::apply_spec(options.log_levels); // checked when parsed
    sluice::route_wlroots_log();
    LOG_INFO(core, "sluice %s, backend %s, renderer %s", SLUICE_VERSION, sluice::to_string(options.backend),
             sluice::to_string(options.renderer));

    // The one change to sluice's own environment, and only here, not in
    // the library tests embed: wlroots takes the backends of a session from
    // WLR_BACKENDS and nowhere else (compositor/core/backend.hpp).
    if (const char *backends = sluice::wlroots_backends(options.backend)) {
        setenv("WLR_BACKENDS", backends, 1);
    }

    // From here the fd has one owner, whatever happens next.
    sluice::sync::UniqueFd ready_fd(options.ready_fd);
    auto server = sluice::Server::create(options_with_limit, std::move(ready_fd));
    if (!server) {
        return 1;
    }
    return server->run();
}
