# Live context and namespace names for `kdeck ctx`, `kdeck ns` and `kdeck use` (added by kdeck).
_kdeck_dynamic() {
    local list=
    if (( CURRENT >= 3 )); then
        case ${words[2]} in
            ctx) [[ ${words[CURRENT]} == -* ]] || list=contexts ;;
            ns) [[ ${words[CURRENT]} == -* ]] || list=namespaces ;;
            use)
                if [[ ${words[CURRENT-1]} == (-n|--namespace) ]]; then
                    list=namespaces
                elif [[ ${words[CURRENT]} != -* ]]; then
                    list=contexts
                fi
                ;;
        esac
    fi
    if [[ -n $list ]]; then
        local -a names
        names=(${(f)"$(command kdeck __internal $list 2>/dev/null)"})
        compadd -a names
        return
    fi
    _kdeck "$@"
}
