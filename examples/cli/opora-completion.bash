# bash completion for opora: modules, verbs and each method's flags, asked of
# opora itself (`opora __complete WORD...`), so it always matches the library.
#   source examples/cli/opora-completion.bash   (installed as
#   share/bash-completion/completions/opora)
_opora_complete() {
  local IFS=$'\n'
  COMPREPLY=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _opora_complete opora
