BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $credential = Get-SentinelLabCredential -Lab $lab
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $session = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile $knownHosts
    $PSDefaultParameterValues['Copy-SentinelItem:ProgressAction'] = 'SilentlyContinue'

    # The lab is this machine: the tests (root) check the host's files directly.
    $labHome = "/home/$($lab.UserName)"

    function New-RemoteDirectory {
        # A fresh directory in the lab user's home, owned by that user; its path relative to the home too.
        $name = "files-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path "$labHome/$name" | Out-Null
        & chown "$($lab.UserName):$($lab.UserName)" "$labHome/$name"
        [pscustomobject]@{ Name = $name; Path = "$labHome/$name" }
    }

    function New-RootDirectory {
        # A root-owned directory the lab user can read but not write.
        $path = "/srv/sentinel-files-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path $path | Out-Null
        & chmod 755 $path
        $path
    }

    function New-RandomFile {
        param([string]$Path, [int]$Bytes, [int]$Seed = 1)
        $data = [byte[]]::new($Bytes)
        [Random]::new($Seed).NextBytes($data)
        [System.IO.File]::WriteAllBytes($Path, $data)
        $Path
    }

    function Get-Sha256 {
        param([string]$Path)
        (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    function Get-TempLeftover {
        # Temporary files Copy-SentinelItem leaves behind (it must leave none), in a directory and in /tmp.
        param([string]$Directory)
        @(Get-ChildItem -LiteralPath $Directory -Force -Recurse | Where-Object Name -Like '*.sentinel-*.tmp') +
        @(Get-ChildItem /tmp -Directory -Filter 'tmp.*' | Where-Object { (& stat -c %U $_.FullName) -eq $lab.UserName })
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
    Get-ChildItem /srv -Directory -Filter 'sentinel-files-*' | Remove-Item -Recurse -Force
    Get-ChildItem "/home/$($lab.UserName)" -Directory -Filter 'files-*' | Remove-Item -Recurse -Force
}

Describe 'Copy-SentinelItem to and from a session' {
    It 'round-trips a random 20 MiB file with the same SHA-256 on every side' {
        $dir = New-RemoteDirectory
        $source = New-RandomFile -Path (Join-Path $TestDrive 'big.bin') -Bytes 20MB
        $up = Copy-SentinelItem -Path $source -Destination "$($dir.Name)/big.bin" -ToSession $session
        $up.Action | Should -Be 'Copied'
        $up.Direction | Should -Be 'Upload'
        $up.Length | Should -Be 20MB
        $up.Sha256 | Should -Be (Get-Sha256 $source)
        Get-Sha256 "$($dir.Path)/big.bin" | Should -Be $up.Sha256
        (& stat -c %U "$($dir.Path)/big.bin") | Should -Be $lab.UserName

        $back = Join-Path $TestDrive 'back.bin'
        $down = Copy-SentinelItem -Path "$($dir.Name)/big.bin" -Destination $back -FromSession $session
        $down.Action | Should -Be 'Copied'
        $down.Direction | Should -Be 'Download'
        $down.Sha256 | Should -Be $up.Sha256
        Get-Sha256 $back | Should -Be $up.Sha256
        Get-TempLeftover $dir.Path | Should -BeNullOrEmpty
        @(Get-ChildItem $TestDrive -Force -Filter '*.sentinel-*') | Should -BeNullOrEmpty
    }

    It 'is Unchanged on a second run and writes nothing, on both sides' {
        $dir = New-RemoteDirectory
        $source = New-RandomFile -Path (Join-Path $TestDrive 'same.bin') -Bytes 100KB -Seed 2
        (Copy-SentinelItem $source "$($dir.Name)/same.bin" -ToSession $session).Action | Should -Be 'Copied'
        $before = & stat -c '%i %Y' "$($dir.Path)/same.bin"
        $again = Copy-SentinelItem $source "$($dir.Name)/same.bin" -ToSession $session
        $again.Action | Should -Be 'Unchanged'
        $again.Sha256 | Should -Be (Get-Sha256 $source)
        & stat -c '%i %Y' "$($dir.Path)/same.bin" | Should -Be $before -Because 'the same inode and time: nothing was written'

        $local = Join-Path $TestDrive 'same-down.bin'
        Copy-Item $source $local
        (Copy-SentinelItem "$($dir.Name)/same.bin" $local -FromSession $session).Action | Should -Be 'Unchanged'
    }

    It 'refuses to replace a different file without -Force (Sentinel.FileExists) and leaves it as it was' {
        $dir = New-RemoteDirectory
        Set-Content "$($dir.Path)/app.conf" 'old'
        $source = Join-Path $TestDrive 'app.conf'
        Set-Content $source 'new'
        $result = Copy-SentinelItem $source "$($dir.Name)/app.conf" -ToSession $session -ErrorVariable failure -ErrorAction SilentlyContinue
        $result.Action | Should -Be 'Failed'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FileExists,*'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
        Get-Content "$($dir.Path)/app.conf" | Should -Be 'old'

        (Copy-SentinelItem $source "$($dir.Name)/app.conf" -ToSession $session -Force).Action | Should -Be 'Copied'
        Get-Content "$($dir.Path)/app.conf" | Should -Be 'new'
    }

    It 'keeps the previous file with -Backup and says where' {
        $dir = New-RemoteDirectory
        # Owned by root (this test's user) in the login user's directory: the kernel refuses that user a
        # hard link to it (protected_hardlinks), so the backup is a copy.
        Set-Content "$($dir.Path)/site.conf" 'version 1'
        & chmod 644 "$($dir.Path)/site.conf"
        $source = Join-Path $TestDrive 'site.conf'
        Set-Content $source 'version 2'
        $result = Copy-SentinelItem $source "$($dir.Name)/site.conf" -ToSession $session -Force -Backup
        $result.Action | Should -Be 'Copied'
        $result.BackupPath | Should -Match '^/home/.+/site\.conf\.\d{8}T\d{9}Z\.bak$'
        Get-Content $result.BackupPath | Should -Be 'version 1'
        Get-Content "$($dir.Path)/site.conf" | Should -Be 'version 2'
        & stat -c %a "$($dir.Path)/site.conf" | Should -Be '644' -Because 'a replaced file keeps its mode'
    }

    It 'does nothing with -WhatIf' {
        $dir = New-RemoteDirectory
        $source = Join-Path $TestDrive 'whatif.txt'
        Set-Content $source 'x'
        Copy-SentinelItem $source "$($dir.Name)/whatif.txt" -ToSession $session -WhatIf | Should -BeNullOrEmpty
        Test-Path "$($dir.Path)/whatif.txt" | Should -BeFalse
        Get-TempLeftover $dir.Path | Should -BeNullOrEmpty
    }

    It 'writes through a symbolic link at the destination and resolves .., as cp does' {
        $dir = New-RemoteDirectory
        New-Item -ItemType Directory "$($dir.Path)/real", "$($dir.Path)/sub" | Out-Null
        Set-Content "$($dir.Path)/real/target.conf" 'old'
        & ln -s "$($dir.Path)/real/target.conf" "$($dir.Path)/link.conf"
        & chown -R "$($lab.UserName):" $dir.Path
        $source = Join-Path $TestDrive 'through-link.conf'
        Set-Content $source 'new'
        (Copy-SentinelItem $source "$($dir.Name)/sub/../link.conf" -ToSession $session -Force).Action | Should -Be 'Copied'
        (Get-Item "$($dir.Path)/link.conf").LinkType | Should -Be 'SymbolicLink' -Because 'the link stays a link'
        Get-Content "$($dir.Path)/real/target.conf" | Should -Be 'new'
        Get-TempLeftover $dir.Path | Should -BeNullOrEmpty
    }

    It 'copies a name with a newline, quotes and shell syntax exactly, and runs none of it' {
        $dir = New-RemoteDirectory
        # Relative, so a shell that ran it would create it in the login directory (a name cannot hold '/').
        $marker = "sentinel-pwned-$([guid]::NewGuid().ToString('N'))"
        $name = "it's a `"quoted`"`nname `$(touch $marker) ``touch $marker``.txt"
        $source = Join-Path $TestDrive $name
        Set-Content -LiteralPath $source 'hostile'
        $up = Copy-SentinelItem -Path ([WildcardPattern]::Escape($source)) -Destination "$($dir.Name)/" -ToSession $session
        $up.Action | Should -Be 'Copied'
        Test-Path -LiteralPath "$($dir.Path)/$name" | Should -BeTrue
        Get-Sha256 "$($dir.Path)/$name" | Should -Be (Get-Sha256 $source)
        (Copy-SentinelItem -Path ([WildcardPattern]::Escape($source)) -Destination "$($dir.Name)/" -ToSession $session).Action | Should -Be 'Unchanged' -Because 'sha256sum''s escaped line for this name is matched'

        $localDir = New-Item -ItemType Directory (Join-Path $TestDrive 'hostile-down')
        $down = Copy-SentinelItem -Path "$($dir.Name)/it*" -Destination $localDir.FullName -FromSession $session
        $down.Action | Should -Be 'Copied'
        Get-Content -LiteralPath (Join-Path $localDir.FullName $name) | Should -Be 'hostile'
        Test-Path "$labHome/$marker", $marker | Should -Be $false, $false
    }

    It 'expands wildcards on the side each path belongs to' {
        $dir = New-RemoteDirectory
        $local = New-Item -ItemType Directory (Join-Path $TestDrive 'wild')
        'a.conf', 'b.conf', 'c.txt' | ForEach-Object { Set-Content (Join-Path $local $_) $_ }
        $up = Copy-SentinelItem -Path (Join-Path $local '*.conf') -Destination $dir.Name -ToSession $session
        $up.Destination | Sort-Object | Should -Be "$($dir.Name)/a.conf", "$($dir.Name)/b.conf"
        (Get-ChildItem $dir.Path).Name | Should -Be 'a.conf', 'b.conf'

        Set-Content "$($dir.Path)/z.log" 'log'
        $down = New-Item -ItemType Directory (Join-Path $TestDrive 'wild-down')
        $fetched = Copy-SentinelItem -Path "$($dir.Path)/*.conf", "$($dir.Name)/z.*" -Destination $down.FullName -FromSession $session
        @($fetched).Count | Should -Be 3
        (Get-ChildItem $down).Name | Should -Be 'a.conf', 'b.conf', 'z.log'
        Copy-SentinelItem -Path "$($dir.Name)/*.nothing" -Destination $down.FullName -FromSession $session -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FileNotFound,*'
    }

    It 'copies a directory tree with -Recurse, and skips it without' {
        $dir = New-RemoteDirectory
        $tree = New-Item -ItemType Directory (Join-Path $TestDrive 'tree')
        New-Item -ItemType Directory (Join-Path $tree 'etc/deep/deeper') -Force | Out-Null
        Set-Content (Join-Path $tree 'top.txt') 'top'
        Set-Content (Join-Path $tree 'etc/a.conf') 'a'
        Set-Content (Join-Path $tree 'etc/deep/deeper/b.conf') 'b'
        New-Item -ItemType Directory (Join-Path $tree 'empty') | Out-Null

        $skipped = Copy-SentinelItem -Path $tree -Destination "$($dir.Name)/copy" -ToSession $session
        $skipped.Action | Should -Be 'Skipped'
        Test-Path "$($dir.Path)/copy" | Should -BeFalse

        $results = Copy-SentinelItem -Path $tree -Destination "$($dir.Name)/copy" -ToSession $session -Recurse
        @($results).Count | Should -Be 3
        $results.Action | Sort-Object -Unique | Should -Be 'Copied'
        Get-Content "$($dir.Path)/copy/etc/deep/deeper/b.conf" | Should -Be 'b'
        Test-Path "$($dir.Path)/copy/empty" -PathType Container | Should -BeTrue

        # Into an existing directory, the tree goes under its own name (cp -r).
        Copy-SentinelItem -Path $tree -Destination "$($dir.Name)/copy" -ToSession $session -Recurse | Out-Null
        Get-Content "$($dir.Path)/copy/tree/top.txt" | Should -Be 'top'

        $back = Join-Path $TestDrive 'tree-back'
        $down = Copy-SentinelItem -Path "$($dir.Name)/copy/etc" -Destination $back -FromSession $session -Recurse
        @($down).Count | Should -Be 2
        Get-Content (Join-Path $back 'deep/deeper/b.conf') | Should -Be 'b'
    }

    It 'stops at once during a large upload, leaving the destination untouched and no temporary file' {
        $dir = New-RemoteDirectory
        Set-Content "$($dir.Path)/large.bin" 'the old content'
        $before = Get-Sha256 "$($dir.Path)/large.bin"
        $source = Join-Path $TestDrive 'large.bin'
        & truncate -s 4G $source
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + "`nCopy-SentinelItem -Path '$source' -Destination '$($dir.Name)/large.bin' -ToSession `$session -Force"
        $background = Start-BackgroundPipeline -Script $script
        try {
            Wait-Until -TimeoutSeconds 60 { @(Get-ChildItem $dir.Path -Force -Recurse -Filter '0' -ErrorAction SilentlyContinue | Where-Object { $_.Directory.Name -like '.sentinel-*.tmp' -and $_.Length -GT 1MB }).Count -gt 0 } |
                Should -BeTrue -Because 'the upload is under way into its temporary file'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $background.Shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
        finally { $background.Shell.Dispose() }
        Get-Sha256 "$($dir.Path)/large.bin" | Should -Be $before
        Wait-Until { -not (Get-TempLeftover $dir.Path) } | Should -BeTrue -Because 'the stop removes the temporary file'
        @(Get-ChildItem $dir.Path -Force).Name | Should -Be 'large.bin'
    }

    It 'fails the whole host cleanly when the destination directory does not exist' {
        $source = Join-Path $TestDrive 'orphan.txt'
        Set-Content $source 'x'
        Copy-SentinelItem $source 'no-such-dir-here/sub/orphan.txt' -ToSession $session -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FileCopyFailed,*'
    }
}

Describe 'Permission bits of downloaded files (issue 20 item 8)' {
    BeforeAll {
        function Get-Mode {
            param([string]$Path)
            [Convert]::ToString(([int][System.IO.File]::GetUnixFileMode($Path)) -band 0x1FF, 8)
        }

        function Watch-Download {
            # Downloads in another runspace and samples the mode of every temporary file in the local
            # directory while it runs; returns the result and the modes seen.
            param([string]$RemotePath, [string]$LocalPath, [switch]$Force)
            $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + "`nCopy-SentinelItem -Path '$RemotePath' -Destination '$LocalPath' -FromSession `$session -Force:`$$([bool]$Force) -ProgressAction SilentlyContinue"
            $directory = Split-Path $LocalPath
            $seen = [System.Collections.Generic.List[string]]::new()
            $background = Start-BackgroundPipeline -Script $script
            try {
                Wait-Until -TimeoutSeconds 120 {
                    foreach ($temp in [System.IO.Directory]::GetFiles($directory, '.*.sentinel-*.tmp')) {
                        try { $seen.Add((Get-Mode $temp)) } catch [System.IO.IOException] { }
                    }
                    $background.Shell.InvocationStateInfo.State -in 'Completed', 'Failed', 'Stopped'
                } | Should -BeTrue -Because 'the download ends'
                [pscustomobject]@{ Result = @($background.Output)[-1]; Errors = @($background.Shell.Streams.Error); Seen = $seen }
            }
            finally { $background.Shell.Dispose() }
        }
    }

    It 'issue 20 item 8: a remote 0600 file arrives 0600 and a 0640 one 0640, as sftp get gives them' {
        $dir = New-RemoteDirectory
        Set-Content "$($dir.Path)/secret.key" 'private'
        Set-Content "$($dir.Path)/shared.conf" 'group readable'
        & chmod 600 "$($dir.Path)/secret.key"
        & chmod 640 "$($dir.Path)/shared.conf"
        & chown "$($lab.UserName):" "$($dir.Path)/secret.key" "$($dir.Path)/shared.conf"
        $local = New-Item -ItemType Directory (Join-Path $TestDrive 'modes-down')
        $results = Copy-SentinelItem -Path "$($dir.Name)/secret.key", "$($dir.Name)/shared.conf" -Destination $local.FullName -FromSession $session
        $results.Action | Should -Be 'Copied', 'Copied'
        Get-Mode (Join-Path $local 'secret.key') | Should -Be '600'
        Get-Mode (Join-Path $local 'shared.conf') | Should -Be '640' -Because 'the umask here is 022'
    }

    It 'issue 20 item 8: the temporary file is 0600 while it downloads (<Case>)' -ForEach @(@{ Case = 'a new file' }, @{ Case = 'over an existing 0600 file' }) {
        $dir = New-RemoteDirectory
        & truncate -s 256M "$($dir.Path)/large.bin"
        & chmod 644 "$($dir.Path)/large.bin"
        & chown "$($lab.UserName):" "$($dir.Path)/large.bin"
        $local = New-Item -ItemType Directory (Join-Path $TestDrive "temp-mode-$([guid]::NewGuid().ToString('N').Substring(0, 6))")
        $target = Join-Path $local 'large.bin'
        $existing = $Case -ne 'a new file'
        if ($existing) {
            Set-Content $target 'the old private content'
            & chmod 600 $target
        }
        $run = Watch-Download -RemotePath "$($dir.Name)/large.bin" -LocalPath $target -Force:$existing
        $run.Errors | Should -BeNullOrEmpty
        $run.Result.Action | Should -Be 'Copied'
        $run.Seen.Count | Should -BeGreaterThan 0 -Because 'the temporary file was seen while the download ran'
        $run.Seen | Sort-Object -Unique | Should -Be '600' -Because 'the temporary file is never readable by others'
        Get-Mode $target | Should -Be $(if ($existing) { '600' } else { '644' }) -Because 'a replaced file keeps its mode; a new one gets the remote file''s'
    }
}

Describe 'Copy-SentinelItem -Sudo, -Mode, -Owner, -Validate' {
    It 'cannot write a root-owned directory without -Sudo, and says to use it' {
        $root = New-RootDirectory
        $source = Join-Path $TestDrive 'denied.conf'
        Set-Content $source 'x'
        Copy-SentinelItem $source "$root/denied.conf" -ToSession $session -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FilePermissionDenied,*'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        Test-Path "$root/denied.conf" | Should -BeFalse
    }

    It 'puts a file into a root-owned directory with the mode, owner and group asked, then keeps them on replace' {
        $root = New-RootDirectory
        $source = Join-Path $TestDrive 'nginx.conf'
        Set-Content $source 'worker_processes 1;'
        $result = Copy-SentinelItem $source "$root/nginx.conf" -ToSession $session -Sudo -Mode 0640 -Owner root -Group $lab.UserName
        $result.Action | Should -Be 'Copied'
        & stat -c '%a %U %G' "$root/nginx.conf" | Should -Be "640 root $($lab.UserName)"
        Get-Sha256 "$root/nginx.conf" | Should -Be (Get-Sha256 $source)

        Set-Content $source 'worker_processes 2;'
        $replaced = Copy-SentinelItem $source "$root/nginx.conf" -ToSession $session -Sudo -Force -Backup
        $replaced.Action | Should -Be 'Copied'
        & stat -c '%a %U %G' "$root/nginx.conf" | Should -Be "640 root $($lab.UserName)" -Because 'without -Mode/-Owner/-Group the replaced file''s are kept'
        Get-Content $replaced.BackupPath | Should -Be 'worker_processes 1;'
        (Copy-SentinelItem $source "$root/nginx.conf" -ToSession $session -Sudo).Action | Should -Be 'Unchanged'
        Get-TempLeftover $root | Should -BeNullOrEmpty
    }

    It 'refuses a broken sudoers file with -Validate ''visudo -cf {}'' and leaves the old one, then takes a good one' {
        $root = New-RootDirectory
        $sudoers = "$root/sudoers-test"
        Set-Content $sudoers "Defaults:nobody !lecture"
        & chmod 440 $sudoers
        $before = Get-Sha256 $sudoers
        $broken = Join-Path $TestDrive 'broken-sudoers'
        Set-Content $broken "nobody ALL=(ALL) NOPASSWD ALL this is not sudoers syntax"
        $result = Copy-SentinelItem $broken $sudoers -ToSession $session -Sudo -Force -Validate 'visudo -cf {}' -ErrorVariable failure -ErrorAction SilentlyContinue
        $result.Action | Should -Be 'Failed'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FileValidationFailed,*'
        $failure[0].Exception.Message | Should -BeLike '*syntax error*' -Because 'the validator''s own output is in the error'
        Get-Sha256 $sudoers | Should -Be $before
        Get-TempLeftover $root | Should -BeNullOrEmpty

        $good = Join-Path $TestDrive 'good-sudoers'
        Set-Content $good "Defaults:nobody lecture"
        (Copy-SentinelItem $good $sudoers -ToSession $session -Sudo -Force -Validate 'visudo -cf {}').Action | Should -Be 'Copied'
        Get-Sha256 $sudoers | Should -Be (Get-Sha256 $good)
        & stat -c '%a %U' $sudoers | Should -Be '440 root'
    }

    It 'refuses -Validate without {} before touching anything' {
        { Copy-SentinelItem (Join-Path $TestDrive 'good-sudoers') '/tmp/x' -ToSession $session -Validate 'visudo -c' -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.InvalidArgument,*'
    }
}

Describe 'Copy-SentinelItem to several hosts' {
    BeforeAll {
        $fleet = Start-SentinelLabFleet -Count 3
        $fleetTarget = @{ Port = $fleet.Port; KeyFile = $fleet.Labs[0].KeyPath; KnownHostsFile = (Join-Path $TestDrive 'fleet_known_hosts') }
    }

    AfterAll { Stop-SentinelLabFleet -Fleet $fleet }

    It 'pushes one file to every host with -ComputerName, one result per host, with host and overall progress' {
        # Every fleet host is this machine: the same file is pushed three times, concurrently, to the
        # same path; each host's copy is atomic, so the file ends whole whatever the order.
        $dir = New-RemoteDirectory
        $source = New-RandomFile -Path (Join-Path $TestDrive 'fleet.bin') -Bytes 64KB -Seed 7
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$ModulePath'; Copy-SentinelItem -Path '$source' -Destination '$($dir.Name)/fleet.bin' -ComputerName $($fleet.Addresses -join ',') -Port $($fleet.Port) -KeyFile '$($fleetTarget.KeyFile)' -KnownHostsFile '$($fleetTarget.KnownHostsFile)'")
            $results = $shell.Invoke()
            $shell.Streams.Error | Should -BeNullOrEmpty
            @($results).Count | Should -Be 3
            ($results.ComputerName | Sort-Object) | Should -Be ($fleet.Addresses | Sort-Object)
            $results.Action | ForEach-Object { $_ | Should -BeIn 'Copied', 'Unchanged' }
            $results.SessionId | Sort-Object -Unique | Should -Be 0
            $progress = @($shell.Streams.Progress)
            $progress.StatusDescription | Should -Contain '3 of 3 hosts'
            @($progress | Where-Object { $_.ParentActivityId -ge 0 -and $_.StatusDescription -like '*/s*' }).Count | Should -BeGreaterThan 0 -Because 'each host shows bytes and rate under the fan-out''s bar'
        }
        finally { $shell.Dispose() }
        Get-Sha256 "$($dir.Path)/fleet.bin" | Should -Be (Get-Sha256 $source)
        Get-TempLeftover $dir.Path | Should -BeNullOrEmpty
    }

    It 'pushes to sessions piped in' {
        $dir = New-RemoteDirectory
        $sessions = $fleet.Addresses | ForEach-Object { Connect-SentinelServer -ComputerName $_ @fleetTarget }
        try {
            $source = Join-Path $TestDrive 'piped.txt'
            Set-Content $source 'piped'
            $results = $sessions | Copy-SentinelItem -Path $source -Destination "$($dir.Name)/piped.txt"
            @($results).Count | Should -Be 3
            Get-Content "$($dir.Path)/piped.txt" | Should -Be 'piped'
        }
        finally { $sessions | Disconnect-SentinelServer }
    }
}
