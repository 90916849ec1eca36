# Live context and namespace names for `kdeck ctx`, `kdeck ns` and `kdeck use` (added by kdeck).
_kdeck_dynamic() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} list=
    if ((COMP_CWORD >= 2)); then
        case ${COMP_WORDS[1]} in
            ctx) [[ $cur == -* ]] || list=contexts ;;
            ns) [[ $cur == -* ]] || list=namespaces ;;
            use)
                if [[ $prev == -n || $prev == --namespace ]]; then
                    list=namespaces
                elif [[ $cur != -* ]]; then
                    list=contexts
                fi
                ;;
        esac
    fi
    if [[ -n $list ]]; then
        local IFS=$'\n'
        COMPREPLY=($(compgen -W "$(command kdeck __internal "$list" 2>/dev/null)" -- "$cur"))
        return 0
    fi
    _kdeck "$@"
}
complete -F _kdeck_dynamic -o bashdefault -o default kdeck
