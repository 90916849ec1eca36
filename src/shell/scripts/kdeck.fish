# kdeck shell integration for fish. Install: kdeck hook fish | source   (in ~/.config/fish/config.fish)
# Prompt: call kdeck_ps1 from fish_prompt (a function, so no fork).
# At each prompt and directory change a fork-free check compares $PWD, $KUBECONFIG, the prompt variables,
# and the existence and mtime (nanoseconds, via test -nt against a stamp file) of every watched file;
# only on a change does it run the kdeck binary once.

set -g _kdeck_bin __KDECK_BIN__
set -g _kdeck_vars __KDECK_VARS__
# Re-sourcing the hook keeps the state, so KUBECONFIG can still be restored.
if not set -q _kdeck_state
    set -g _kdeck_state ''
    set -g _kdeck_pwd ''
    set -g _kdeck_kc ''
    set -g _kdeck_vsig ''
    set -g _kdeck_sig ''
    set -g _kdeck_watch
    set -g _kdeck_exist ''
    set -g _kdeck_stamp ''
    set -g _kdeck_overlay ''
    set -g KDECK_PS1 ''
end

function _kdeck_varsig
    set -l s ''
    for n in $_kdeck_vars
        if set -q $n
            set s "$s"1"$$n"\x1f
        else
            set s "$s"\x1f
        end
    end
    set -g _kdeck_sig "$s"
end

function _kdeck_kcsig
    if set -q KUBECONFIG
        echo 1"$KUBECONFIG"
    else
        echo ''
    end
end

function _kdeck_fresh
    test "$PWD" = "$_kdeck_pwd"; or return 1
    set -l kc (_kdeck_kcsig)
    test "$kc" = "$_kdeck_kc"; or return 1
    _kdeck_varsig
    test "$_kdeck_sig" = "$_kdeck_vsig"; or return 1
    set -l i 0
    for f in $_kdeck_watch
        set i (math $i + 1)
        set -l e (string sub -s $i -l 1 -- $_kdeck_exist)
        if test -e $f
            test "$e" = 1; or return 1
            test $f -nt $_kdeck_stamp; and return 1
        else
            test "$e" = 0; or return 1
        end
    end
    return 0
end

function _kdeck_update
    _kdeck_varsig
    set -l pass
    for n in $_kdeck_vars
        set -q $n; and set -a pass "$n=$$n"
    end
    set -l out ($_kdeck_bin __internal hook-update --shell fish --pid $fish_pid --state "$_kdeck_state" -- $pass | string collect)
    if string match -q '# kdeck-eval*' -- "$out"
        printf '%s\n' "$out" | source
    end
    set -g _kdeck_pwd "$PWD"
    set -g _kdeck_kc (_kdeck_kcsig)
    set -g _kdeck_vsig "$_kdeck_sig"
end

# kube-ps1's colour rule for what KUBE_PS1_CTX_COLOR_FUNCTION answers: a name or 0-256 gives the
# foreground sequence, anything else nothing.
function _kdeck_fg
    set -l n (contains -i -- "$argv[1]" black red green yellow blue magenta cyan white)
    if test -n "$n"
        set n (math $n - 1)
    else if string match -qr '^([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-6])$' -- "$argv[1]"
        set n $argv[1]
    else
        return 0
    end
    if test $n -lt 8
        printf '\e[%dm' (math 30 + $n)
    else if test $n -lt 16
        printf '\e[%dm' (math 82 + $n)
    else
        printf '\e[38;5;%dm' $n
    end
end

function _kdeck_hook --on-event fish_prompt --on-variable PWD
    _kdeck_fresh; or _kdeck_update
end

function kdeck_ps1
    printf '%s' "$KDECK_PS1"
end

# `use`, `allow`, `deny` and `prompt --on/--off` change this shell: the binary prints shell code
# (marked by its first line) on stdout, and this wrapper evaluates it.
function kdeck
    switch "$argv[1]"
        case use allow deny prompt
            set -l out (env _KDECK_HOOK=fish _KDECK_PID=$fish_pid _KDECK_STATE="$_kdeck_state" $_kdeck_bin $argv | string collect)
            set -l rc $pipestatus[1]
            if string match -q '# kdeck-eval*' -- "$out"
                printf '%s\n' "$out" | source
                _kdeck_update
            else if test -n "$out"
                printf '%s\n' "$out"
            end
            return $rc
        case '*'
            $_kdeck_bin $argv
    end
end

function _kdeck_exit --on-event fish_exit
    if test -e "$_kdeck_overlay"; or test -e "$_kdeck_stamp"
        command rm -f -- "$_kdeck_overlay" "$_kdeck_stamp"
    end
end
