# Every exported cmdlet has complete help, in the markdown source and in what Get-Help shows from the
# built module. Generic over Get-Command: a new cmdlet fails here until docs/en-US/<Cmdlet>.md exists.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $commands = Get-Command -Module Sentinel | ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $docs = Join-Path $RepoRoot 'docs/en-US'
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

    function Get-MarkdownSection {
        # The text under one '## NAME' heading of a help markdown file.
        param([string]$Text, [string]$Name)
        if ($Text -match ('(?ms)^## ' + [regex]::Escape($Name) + '[ \t]*\r?$(.*?)(?=^## |\z)')) { $Matches[1].Trim() } else { '' }
    }
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $path = Join-Path $docs "$Name.md"
        $markdown = if (Test-Path $path) { Get-Content $path -Raw } else { '' }
        $command = Get-Command $Name
        $parameters = $command.Parameters.Keys | Where-Object { $_ -notin $common }
        $help = Get-Help $Name -Full
    }

    It 'has docs/en-US/<Name>.md' {
        $path | Should -Exist
    }

    It 'has a synopsis, a description, inputs, outputs and related links in the markdown' {
        foreach ($section in 'SYNOPSIS', 'DESCRIPTION', 'INPUTS', 'OUTPUTS', 'RELATED LINKS') {
            Get-MarkdownSection $markdown $section | Should -Not -BeNullOrEmpty -Because "$Name.md needs a ## $section"
        }
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = [regex]::Matches((Get-MarkdownSection $markdown 'EXAMPLES'), '(?ms)^### (.+?)$(.*?)(?=^### |\z)')
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.Groups[2].Value | Should -Match '```powershell\s*\S' -Because "'$($example.Groups[1].Value)' shows code"
            ($example.Groups[2].Value -replace '(?s)```.*?```', '').Trim() | Should -Not -BeNullOrEmpty -Because "'$($example.Groups[1].Value)' explains itself"
        }
    }

    It 'describes every parameter, and no parameter the cmdlet does not have' {
        $documented = [regex]::Matches((Get-MarkdownSection $markdown 'PARAMETERS'), '(?m)^### -(\w+)') | ForEach-Object { $_.Groups[1].Value }
        foreach ($parameter in $parameters) {
            $documented | Should -Contain $parameter -Because "$Name -$parameter needs a ### -$parameter"
        }
        foreach ($parameter in $documented) {
            $parameters | Should -Contain $parameter -Because "$Name.md documents -$parameter"
        }
    }

    It 'shows a synopsis, a non-empty SYNTAX, every parameter and the examples in Get-Help -Full' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "$Name *[<CommonParameters>]*" -Because 'a synopsis that is the syntax line means no help file was found'
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
        foreach ($parameter in $parameters) {
            $entry = $help.parameters.parameter | Where-Object name -eq $parameter
            ($entry.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "Get-Help shows -$parameter"
        }
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        $text = $help | Out-String -Width 200
        $text | Should -Match "(?m)^SYNTAX\s+$Name \S"
        $text | Should -Match '(?m)^PARAMETERS\s+-\w+'
        if ($command.Parameters.ContainsKey('WhatIf')) {
            foreach ($item in $help.syntax.syntaxItem) { $item.parameter.name | Should -Contain 'WhatIf' -Because "$Name supports ShouldProcess" }
            foreach ($item in $help.syntax.syntaxItem) { $item.parameter.name | Should -Contain 'Confirm' }
        }
    }
}

Describe 'about_Sentinel' {
    It 'covers getting started, defaults and environment variables, host keys, sudo and the four classic failures' {
        $text = Get-Help about_Sentinel | Out-String
        foreach ($topic in 'GETTING STARTED', 'DEFAULTS AND ENVIRONMENT VARIABLES', 'HOST-KEY POLICIES', 'SUDO', 'TROUBLESHOOTING', 'TIMEOUT', 'AUTHENTICATION', 'SUDO PERMISSION', 'HOST KEY') {
            $text | Should -Match "(?m)^$topic" -Because "about_Sentinel has a $topic section"
        }
        foreach ($variable in 'SSH_HOST', 'SSH_PORT', 'SSH_USER', 'SSH_PASS') { $text | Should -Match $variable }
    }
}

Describe 'Help in a fresh pwsh' {
    It 'shows SYNTAX, PARAMETERS and EXAMPLES for Connect-SentinelServer after Import-Module' {
        $text = Invoke-ChildPwsh "Import-Module '$ModulePath'; Get-Help Connect-SentinelServer -Full | Out-String -Width 200" | Out-String
        $text | Should -Match '(?m)^SYNTAX\s+Connect-SentinelServer \[\[-ComputerName\] <String\[\]>\]'
        $text | Should -Match '(?m)^PARAMETERS\s+-ComputerName <String\[\]>'
        $text | Should -Match 'Example 1:'
    }
}
