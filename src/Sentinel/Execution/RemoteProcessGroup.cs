using System;
using System.Globalization;

namespace Sentinel.Execution
{
    /// <summary>
    /// Ends a timed-out command's process group from a second channel, for servers that do not deliver
    /// the signal Sentinel asks for: OpenSSH under ForceCommand refuses it ("refusing to send signal"),
    /// Dropbear signals only the process it started, tinysshd none. The line runs as the login user
    /// and says whether the group is gone, which is what the timeout's message may then claim.
    /// </summary>
    internal static class RemoteProcessGroup
    {
        /// <summary>What the line prints when no process of the group is left.</summary>
        public const string Gone = "gone";

        /// <summary>How long ending the group and checking may take, second channel included.</summary>
        public static readonly TimeSpan CheckLimit = TimeSpan.FromSeconds(10);

        /// <summary>
        /// The line that ends group <paramref name="processGroup"/>: SIGTERM, again after a second, then
        /// SIGKILL after two, then prints <see cref="Gone"/> once no process in /proc has that group, or
        /// "running" after four. The signal is sent more than once because one that arrives while sudo
        /// is still authenticating is lost: sudo relays only what comes once its command runs. Under
        /// sudo no SIGKILL, only more SIGTERMs: SIGKILL would end sudo, which relays SIGTERM to its root
        /// command, and leave that command running unseen; the login user cannot signal root's processes itself.
        /// </summary>
        public static string EndCommand(int processGroup, bool sudo)
        {
            var group = processGroup.ToString(CultureInfo.InvariantCulture);
            return "[ -r /proc/$$/stat ] || { echo unknown; exit 0; }; "
                + "alive() { for f in /proc/[0-9]*/stat; do read -r s 2>/dev/null <\"$f\" || continue; s=${s##*) }; s=${s#* }; s=${s#* }; [ \"${s%% *}\" = " + group + " ] && return 0; done; return 1; }; "
                + "n=0; while alive; do case $n in "
                + (sudo ? "0|10|20|30) kill -TERM -- -" + group + " 2>/dev/null;; " : "0|10) kill -TERM -- -" + group + " 2>/dev/null;; 20|30) kill -KILL -- -" + group + " 2>/dev/null;; ")
                + "40) echo running; exit 0;; esac; n=$((n+1)); sleep 0.1 2>/dev/null || sleep 1; done; echo " + Gone;
        }
    }
}
