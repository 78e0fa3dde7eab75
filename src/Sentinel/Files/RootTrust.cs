using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Sentinel.Errors;
using Sentinel.Execution;

namespace Sentinel.Files
{
    /// <summary>
    /// -Sudo: the users and groups who may change a path root writes through, besides the destination's
    /// own owner: root and the login user (who runs sudo anyway), and a numeric or resolved -Owner.
    /// Also the login directory, which relative destinations are taken against.
    /// </summary>
    internal sealed class RootTrust
    {
        private static readonly Regex Ids = new Regex(@"^uid=(\d+)\S*\s+gid=(\d+)", RegexOptions.CultureInvariant);

        private RootTrust(string home, HashSet<int> users, HashSet<int> groups)
        {
            Home = home;
            Users = users;
            Groups = groups;
        }

        public string Home { get; }

        public HashSet<int> Users { get; }

        /// <summary>Groups whose write permission on a directory is no one else's: root's and the login user's own.</summary>
        public HashSet<int> Groups { get; }

        public static async Task<RootTrust> LoadAsync(CopyContext context)
        {
            var home = context.Transfer.Stat(".")?.FullName;
            var id = await context.RunAsync("id", false, context.Stop).ConfigureAwait(false);
            var match = Ids.Match(id.Output.Trim());
            if (home == null || !home.StartsWith("/", StringComparison.Ordinal) || !match.Success)
            {
                throw FileErrors.CopyFailed(context.Host, ".", "could not tell the login user's ids and directory (id, SFTP realpath): " + (id.Error + id.Output).Trim());
            }

            var users = new HashSet<int> { 0, Parse(match.Groups[1].Value) };
            var groups = new HashSet<int> { 0, Parse(match.Groups[2].Value) };
            var owner = context.Options.Owner;
            if (owner != null)
            {
                users.Add(int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric) ? numeric : await UserIdAsync(context, owner).ConfigureAwait(false));
            }

            return new RootTrust(home, users, groups);
        }

        /// <summary>These users and the one who owns the file being replaced.</summary>
        public ICollection<int> With(int? owner)
        {
            if (owner == null || Users.Contains(owner.Value))
            {
                return Users;
            }

            return new HashSet<int>(Users) { owner.Value };
        }

        private static async Task<int> UserIdAsync(CopyContext context, string name)
        {
            var id = await context.RunAsync("id -u -- " + ShellQuote.Quote(name), false, context.Stop).ConfigureAwait(false);
            if (!id.Succeeded || !int.TryParse(id.Output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            {
                throw FileErrors.CopyFailed(context.Host, name, "-Owner names no user on the host: " + (id.Error + id.Output).Trim());
            }

            return uid;
        }

        private static int Parse(string digits) => int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
