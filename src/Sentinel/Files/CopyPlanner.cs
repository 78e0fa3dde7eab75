using System;
using System.Collections.Generic;

namespace Sentinel.Files
{
    internal enum EntryKind
    {
        File,
        Directory,

        /// <summary>Neither a regular file nor a directory (a link inside a tree, a device, a socket): not copied.</summary>
        Other,
    }

    /// <summary>One item a -Path names (after wildcards), on the side it lives on.</summary>
    internal sealed class CopySource
    {
        public CopySource(string path, string name, EntryKind kind, IReadOnlyList<TreeEntry>? tree = null, int? mode = null)
        {
            Path = path;
            Name = name;
            Kind = kind;
            Tree = tree ?? Array.Empty<TreeEntry>();
            Mode = mode;
        }

        public string Path { get; }

        public string Name { get; }

        public EntryKind Kind { get; }

        /// <summary>For a directory copied with -Recurse: what is under it, parents before children.</summary>
        public IReadOnlyList<TreeEntry> Tree { get; }

        /// <summary>The permission bits the source's side reported while looking (remote sources), if any.</summary>
        public int? Mode { get; }
    }

    /// <summary>An entry under a source directory: its path and its path relative to that directory ('/'-separated).</summary>
    internal sealed class TreeEntry
    {
        public TreeEntry(string path, string relativePath, EntryKind kind, int? mode = null)
        {
            Path = path;
            RelativePath = relativePath;
            Kind = kind;
            Mode = mode;
        }

        public string Path { get; }

        public string RelativePath { get; }

        public EntryKind Kind { get; }

        /// <summary>The permission bits the listing gave (remote trees), if any.</summary>
        public int? Mode { get; }
    }

    internal enum DestinationKind
    {
        Missing,
        File,
        Directory,
    }

    internal sealed class PlannedFile
    {
        public PlannedFile(string source, string target, int? sourceMode = null)
        {
            Source = source;
            Target = target;
            SourceMode = sourceMode;
        }

        public string Source { get; }

        /// <summary>The source's permission bits as seen while planning, so a download needs no second stat for them.</summary>
        public int? SourceMode { get; }

        /// <summary>Where the file goes, as the user's destination spells it.</summary>
        public string Target { get; }
    }

    /// <summary>What a copy will do on one side: directories to make, files to copy, items left out and why.</summary>
    internal sealed class CopyPlan
    {
        public List<string> Directories { get; } = new List<string>();

        public List<PlannedFile> Files { get; } = new List<PlannedFile>();

        public List<KeyValuePair<string, string>> Skipped { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Set when the whole copy cannot be done as asked (cp's "target is not a directory").</summary>
        public string? Error { get; set; }
    }

    /// <summary>
    /// Where each source goes, by cp's rules: into an existing directory under its own name; onto the
    /// destination itself when there is one source and the destination is not a directory; a
    /// directory (with -Recurse) becomes the destination when that does not exist yet.
    /// </summary>
    internal static class CopyPlanner
    {
        public static CopyPlan Plan(IReadOnlyList<CopySource> sources, string destination, DestinationKind destinationKind, bool recurse, Func<string, string, string> combine)
        {
            var plan = new CopyPlan();
            if (sources.Count > 1 && destinationKind != DestinationKind.Directory)
            {
                plan.Error = $"the destination '{destination}' must be an existing directory when copying {sources.Count} items";
                return plan;
            }

            foreach (var source in sources)
            {
                switch (source.Kind)
                {
                    case EntryKind.File:
                        if (destinationKind == DestinationKind.Missing && destination.EndsWith("/", StringComparison.Ordinal))
                        {
                            plan.Error = $"the directory '{destination}' does not exist";
                            return plan;
                        }

                        plan.Files.Add(new PlannedFile(source.Path, destinationKind == DestinationKind.Directory ? combine(destination, source.Name) : destination, source.Mode));
                        break;
                    case EntryKind.Directory when !recurse:
                        plan.Skipped.Add(new KeyValuePair<string, string>(source.Path, "it is a directory; use -Recurse to copy directories"));
                        break;
                    case EntryKind.Directory:
                        if (destinationKind == DestinationKind.File)
                        {
                            plan.Error = $"cannot copy the directory '{source.Path}' onto the file '{destination}'";
                            return plan;
                        }

                        var root = destinationKind == DestinationKind.Directory ? combine(destination, source.Name) : destination;
                        plan.Directories.Add(root);
                        foreach (var entry in source.Tree)
                        {
                            var target = combine(root, entry.RelativePath);
                            switch (entry.Kind)
                            {
                                case EntryKind.Directory:
                                    plan.Directories.Add(target);
                                    break;
                                case EntryKind.File:
                                    plan.Files.Add(new PlannedFile(entry.Path, target, entry.Mode));
                                    break;
                                default:
                                    plan.Skipped.Add(new KeyValuePair<string, string>(entry.Path, "it is not a regular file (links inside a tree are not followed)"));
                                    break;
                            }
                        }

                        break;
                    default:
                        plan.Skipped.Add(new KeyValuePair<string, string>(source.Path, "it is not a regular file or a directory"));
                        break;
                }
            }

            return plan;
        }
    }
}
