# Live context and namespace names for `kdeck ctx`, `kdeck ns` and `kdeck use` (added by kdeck).
complete -c kdeck -n '__fish_seen_subcommand_from ctx use' -f -a '(command kdeck __internal contexts 2>/dev/null)'
complete -c kdeck -n '__fish_seen_subcommand_from ns' -f -a '(command kdeck __internal namespaces 2>/dev/null)'
complete -c kdeck -n '__fish_seen_subcommand_from use' -s n -l namespace -x -a '(command kdeck __internal namespaces 2>/dev/null)'
