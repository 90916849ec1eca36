# kdeck shell integration for bash. Install: eval "$(kdeck hook bash)" in ~/.bashrc.
# Prompt: PS1='${KDECK_PS1} '"$PS1" costs no fork; PS1='$(kdeck_ps1) '"$PS1" works too (one subshell).
# At each prompt a fork-free check compares $PWD, $KUBECONFIG, the prompt variables, and the existence
# and mtime (nanoseconds, via -nt against a stamp file) of every watched file; only on a change does it
# run the kdeck binary once.

_kdeck_bin=__KDECK_BIN__
_kdeck_vars=(__KDECK_VARS__)
# Re-evaluating the hook (re-sourcing the rc file) keeps the state, so KUBECONFIG can still be restored.
if [[ -z ${_kdeck_hooked-} ]]; then
    _kdeck_state=
    _kdeck_pwd=
    _kdeck_kc=
    _kdeck_vsig=
    _kdeck_sig=
    _kdeck_watch=()
    _kdeck_exist=
    _kdeck_stamp=
    _kdeck_overlay=
    KDECK_PS1=
fi

# One expansion over every prompt variable ("1value" when set, "" when unset): far cheaper than a loop.
_kdeck_varsig() {
    _kdeck_sig=__KDECK_VARSIG__
}

_kdeck_fresh() {
    [[ $PWD == "$_kdeck_pwd" && "${KUBECONFIG+1}${KUBECONFIG-}" == "$_kdeck_kc" ]] || return 1
    _kdeck_varsig
    [[ $_kdeck_sig == "$_kdeck_vsig" ]] || return 1
    local f i=0
    for f in "${_kdeck_watch[@]}"; do
        if [[ -e $f ]]; then
            [[ ${_kdeck_exist:i:1} == 1 && ! $f -nt $_kdeck_stamp ]] || return 1
        else
            [[ ${_kdeck_exist:i:1} == 0 ]] || return 1
        fi
        i=$((i + 1))
    done
    return 0
}

_kdeck_update() {
    _kdeck_varsig
    local n out
    local -a pass=()
    for n in "${_kdeck_vars[@]}"; do
        [[ -v $n ]] && pass+=("$n=${!n}")
    done
    out=$("$_kdeck_bin" __internal hook-update --shell bash --pid "$$" --state "$_kdeck_state" -- "${pass[@]}")
    [[ $out == "# kdeck-eval"* ]] && eval "$out"
    _kdeck_pwd=$PWD
    _kdeck_kc="${KUBECONFIG+1}${KUBECONFIG-}"
    _kdeck_vsig=$_kdeck_sig
}

_kdeck_hook() {
    local rc=$?
    _kdeck_fresh || _kdeck_update
    return $rc
}

# kube-ps1's colour rule for what KUBE_PS1_CTX_COLOR_FUNCTION answers: a name or 0-256 gives the
# foreground sequence (as kube-ps1 prints it in bash), anything else nothing.
_kdeck_fg() {
    local n
    case $1 in
        black) n=0 ;;
        red) n=1 ;;
        green) n=2 ;;
        yellow) n=3 ;;
        blue) n=4 ;;
        magenta) n=5 ;;
        cyan) n=6 ;;
        white) n=7 ;;
        [0-9] | [1-9][0-9] | 1[0-9][0-9] | 2[0-4][0-9] | 25[0-6]) n=$1 ;;
        *) return 0 ;;
    esac
    if ((n < 8)); then
        printf '\001\033[%dm\002' $((30 + n))
    elif ((n < 16)); then
        printf '\001\033[%dm\002' $((82 + n))
    else
        printf '\001\033[38;5;%dm\002' "$n"
    fi
}

kdeck_ps1() {
    printf '%s' "$KDECK_PS1"
}

# `use`, `allow`, `deny` and `prompt --on/--off` change this shell: the binary prints shell code
# (marked by its first line) on stdout, and this wrapper evaluates it.
kdeck() {
    case $1 in
        use | allow | deny | prompt)
            local out rc
            out=$(_KDECK_HOOK=bash _KDECK_PID=$$ _KDECK_STATE=$_kdeck_state "$_kdeck_bin" "$@")
            rc=$?
            if [[ $out == "# kdeck-eval"* ]]; then
                eval "$out"
                _kdeck_update
            elif [[ -n $out ]]; then
                printf '%s\n' "$out"
            fi
            return $rc
            ;;
        *) "$_kdeck_bin" "$@" ;;
    esac
}

_kdeck_exit() {
    if [[ -e $_kdeck_overlay || -e $_kdeck_stamp ]]; then
        command rm -f -- "$_kdeck_overlay" "$_kdeck_stamp"
    fi
    if [[ -n $_kdeck_prev_exit ]]; then
        local -a _kdeck_t
        eval "_kdeck_t=($_kdeck_prev_exit)"
        eval "${_kdeck_t[2]}"
    fi
}

if [[ -z ${_kdeck_hooked-} ]]; then
    _kdeck_hooked=1
    _kdeck_prev_exit=$(trap -p EXIT)
    trap _kdeck_exit EXIT
    if [[ -v PROMPT_COMMAND && ${PROMPT_COMMAND@a} == *a* ]]; then
        PROMPT_COMMAND=(_kdeck_hook "${PROMPT_COMMAND[@]}")
    else
        PROMPT_COMMAND="_kdeck_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
    fi
fi
