#!/usr/bin/env pwsh
<#
.SYNOPSIS
Turns docs/en-US (platyPS-shaped markdown) into the built module's en-US help files.

.DESCRIPTION
Writes <ModulePath>/en-US/Sentinel.dll-Help.xml (MAML) from docs/en-US/<Cmdlet>.md and
<ModulePath>/en-US/about_<Topic>.help.txt from each about_<Topic>.md.

The markdown gives the words; the built cmdlets give the facts. Syntax, parameter sets, types,
positions, aliases, pipeline input and wildcard support come from Get-Command on the built module,
so help never drifts from the code. platyPS is not available here, hence this script.

It imports the module, so build.ps1 runs it in a child pwsh. A cmdlet without markdown gets a
warning, not a failure: tests/Pester/Help.Tests.ps1 is what fails, naming what is missing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$DocsPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$manifest = Get-ChildItem $ModulePath -Filter *.psd1 | Select-Object -First 1
$module = Import-Module $manifest.FullName -PassThru -Force
# MAML's namespaces: elements are written with these prefixes, declared once per command.
$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
# -WhatIf and -Confirm belong in a SYNTAX line, as in PowerShell's own help; the rest is <CommonParameters>.
$syntaxOnlyParameters = 'WhatIf', 'Confirm'

function ConvertFrom-HelpMarkdown {
    # Splits a platyPS-shaped file into its ## sections, each a list of ### subsections (a subsection
    # with no ### heading holds the text before the first one).
    param([string]$Path)
    $doc = [ordered]@{ Name = $null; Sections = [ordered]@{} }
    $section = $null; $sub = $null; $inFence = $false
    foreach ($line in Get-Content $Path) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^# (\S+)') { $doc.Name = $Matches[1]; continue }
        if (-not $inFence -and $line -match '^## (.+?)\s*$') {
            $section = [System.Collections.Generic.List[object]]::new()
            $doc.Sections[$Matches[1].ToUpperInvariant()] = $section
            $sub = [pscustomobject]@{ Title = ''; Lines = [System.Collections.Generic.List[string]]::new() }
            $section.Add($sub)
            continue
        }
        if (-not $inFence -and $line -match '^### (.+?)\s*$' -and $section) {
            $sub = [pscustomobject]@{ Title = $Matches[1]; Lines = [System.Collections.Generic.List[string]]::new() }
            $section.Add($sub)
            continue
        }
        if ($sub) { $sub.Lines.Add($line) }
    }
    $doc
}

function Split-Block {
    # Text and fenced code of a subsection: paragraphs (blank-line separated, list items apart),
    # code blocks by language.
    param([string[]]$Lines)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $code = [System.Collections.Generic.List[object]]::new()
    $current = [System.Collections.Generic.List[string]]::new()
    $fence = $null
    $flush = { if ($current.Count) { $paragraphs.Add(($current -join ' ').Trim()); $current.Clear() } }
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^\s*```\s*$') { $code.Add($fence); $fence = $null } else { $fence.Lines.Add($line) }
            continue
        }
        if ($line -match '^\s*```(\w*)') {
            & $flush
            $fence = [pscustomobject]@{ Language = $Matches[1]; Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        if ($line -match '^\s*$') { & $flush; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s') { & $flush }
        $current.Add($line.Trim())
    }
    & $flush
    [pscustomobject]@{ Paragraphs = @($paragraphs); Code = @($code) }
}

function ConvertFrom-Inline {
    # Markdown inline marks have no meaning in console help: `code`, **bold**, [text](link).
    param([string]$Text)
    $Text -replace '\[([^\]]+)\]\(([^)]+)\)', '$1 ($2)' -replace '\*\*([^*]+)\*\*', '$1' -replace '`([^`]+)`', '$1'
}

function Write-Paras {
    param([System.Xml.XmlWriter]$Writer, [string[]]$Paragraphs)
    foreach ($p in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $NsMaml, (ConvertFrom-Inline $p)) }
}

function Write-Description {
    param([System.Xml.XmlWriter]$Writer, [string[]]$Paragraphs)
    $Writer.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paras $Writer $Paragraphs
    $Writer.WriteEndElement()
}

function Get-TypeName {
    param([type]$Type)
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { return Get-TypeName $Type.GetGenericArguments()[0] }
    $Type.Name
}

function Get-PipelineInput {
    param([System.Management.Automation.ParameterSetMetadata[]]$Sets)
    $how = @()
    if ($Sets | Where-Object ValueFromPipelineByPropertyName) { $how += 'ByPropertyName' }
    if ($Sets | Where-Object ValueFromPipeline) { $how += 'ByValue' }
    if ($how) { "True ($($how -join ', '))" } else { 'False' }
}

function Write-Parameter {
    # One <command:parameter>. In a syntax item a switch has no value placeholder; in the
    # parameters list every parameter names its type.
    param(
        [System.Xml.XmlWriter]$Writer,
        [System.Management.Automation.ParameterMetadata]$Parameter,
        [System.Management.Automation.ParameterSetMetadata[]]$Sets,
        [string[]]$Description,
        [string]$DefaultValue,
        [switch]$InSyntax
    )
    $isSwitch = $Parameter.SwitchParameter
    $position = @($Sets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Select-Object -First 1)
    $globbing = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $typeName = Get-TypeName $Parameter.ParameterType
    $Writer.WriteStartElement('command', 'parameter', $NsCommand)
    $Writer.WriteAttributeString('required', ([bool]($Sets | Where-Object IsMandatory)).ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineInput $Sets))
    $Writer.WriteAttributeString('position', $(if ($position.Count) { [string]$position[0] } else { 'named' }))
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $NsMaml, $Parameter.Name)
    Write-Description $Writer $Description
    if (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $NsCommand)
        $Writer.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($typeName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $NsDev)
    $Writer.WriteElementString('maml', 'name', $NsMaml, $typeName)
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $NsDev, $(if ($DefaultValue) { $DefaultValue } elseif ($isSwitch) { 'False' } else { 'None' }))
    $Writer.WriteEndElement()
}

function Get-ParameterDoc {
    # Description paragraphs and the yaml block's "Default value" of every ### -Name subsection.
    param($Section)
    $docs = [ordered]@{}
    foreach ($sub in @($Section)) {
        if ($sub.Title -notmatch '^-(\w+)') { continue }
        $name = $Matches[1]
        $block = Split-Block $sub.Lines
        $default = $null
        foreach ($yaml in $block.Code | Where-Object Language -eq 'yaml') {
            $line = $yaml.Lines | Where-Object { $_ -match '^Default value:\s*(.+)$' } | Select-Object -First 1
            if ($line) { $default = ($line -replace '^Default value:\s*', '').Trim() }
        }
        $docs[$name] = [pscustomobject]@{ Paragraphs = $block.Paragraphs; Default = $default }
    }
    $docs
}

function Write-TypeList {
    # INPUTS and OUTPUTS: one ### per type with its description.
    param([System.Xml.XmlWriter]$Writer, $Section, [string]$ListName, [string]$ItemName)
    $Writer.WriteStartElement('command', $ListName, $NsCommand)
    foreach ($sub in @($Section) | Where-Object Title) {
        $Writer.WriteStartElement('command', $ItemName, $NsCommand)
        $Writer.WriteStartElement('dev', 'type', $NsDev)
        $Writer.WriteElementString('maml', 'name', $NsMaml, $sub.Title)
        $Writer.WriteEndElement()
        Write-Description $Writer (Split-Block $sub.Lines).Paragraphs
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Command {
    param([System.Xml.XmlWriter]$Writer, [System.Management.Automation.CommandInfo]$Command, $Doc)
    $sections = $Doc.Sections
    $text = { param($name) if ($sections.Contains($name)) { (Split-Block ($sections[$name] | ForEach-Object Lines)).Paragraphs } else { @() } }
    $parameterDocs = if ($sections.Contains('PARAMETERS')) { Get-ParameterDoc $sections['PARAMETERS'] } else { @{} }
    $own = $Command.Parameters.Values | Where-Object Name -NotIn $commonParameters
    foreach ($name in $parameterDocs.Keys | Where-Object { $_ -notin $own.Name }) {
        Write-Warning "$($Command.Name).md documents -$name, which the cmdlet does not have."
    }
    $describe = { param($p) if ($parameterDocs.Contains($p.Name)) { $parameterDocs[$p.Name] } else { [pscustomobject]@{ Paragraphs = @(); Default = $null } } }

    $Writer.WriteStartElement('command', 'command', $NsCommand)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $Writer.WriteStartElement('command', 'details', $NsCommand)
    $Writer.WriteElementString('command', 'name', $NsCommand, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $NsCommand, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $NsCommand, $Command.Noun)
    Write-Description $Writer (& $text 'SYNOPSIS')
    $Writer.WriteEndElement()
    Write-Description $Writer (& $text 'DESCRIPTION')

    # Syntax: one item per parameter set, parameters in the order Get-Command shows them.
    $Writer.WriteStartElement('command', 'syntax', $NsCommand)
    foreach ($set in $Command.ParameterSets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $Writer.WriteElementString('maml', 'name', $NsMaml, $Command.Name)
        # Positional parameters first, by position, as PowerShell's own syntax line orders them.
        $members = $set.Parameters | Where-Object { $_.Name -notin $commonParameters -or $_.Name -in $syntaxOnlyParameters } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -[int]$_.IsMandatory } }
        foreach ($member in $members) {
            $parameter = $Command.Parameters[$member.Name]
            $d = & $describe $parameter
            Write-Parameter $Writer $parameter @(if ($parameter.ParameterSets.ContainsKey($set.Name)) { $parameter.ParameterSets[$set.Name] } else { $parameter.ParameterSets['__AllParameterSets'] }) $d.Paragraphs $d.Default -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $NsCommand)
    # In the order the markdown describes them; anything it misses goes last.
    $documented = @($parameterDocs.Keys)
    foreach ($parameter in $own | Sort-Object { $i = [array]::IndexOf($documented, $_.Name); if ($i -ge 0) { $i } else { [int]::MaxValue } }, Name) {
        $d = & $describe $parameter
        Write-Parameter $Writer $parameter @($parameter.ParameterSets.Values) $d.Paragraphs $d.Default
    }
    $Writer.WriteEndElement()

    if ($sections.Contains('INPUTS')) { Write-TypeList $Writer $sections['INPUTS'] 'inputTypes' 'inputType' }
    if ($sections.Contains('OUTPUTS')) { Write-TypeList $Writer $sections['OUTPUTS'] 'returnValues' 'returnValue' }

    $notes = & $text 'NOTES'
    if ($notes) {
        $Writer.WriteStartElement('maml', 'alertSet', $NsMaml)
        $Writer.WriteStartElement('maml', 'alert', $NsMaml)
        Write-Paras $Writer $notes
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($example in @($sections['EXAMPLES']) | Where-Object Title) {
        $block = Split-Block $example.Lines
        $Writer.WriteStartElement('command', 'example', $NsCommand)
        $Writer.WriteElementString('maml', 'title', $NsMaml, "--------- $($example.Title) ---------")
        $Writer.WriteElementString('dev', 'code', $NsDev, (($block.Code | ForEach-Object { $_.Lines -join "`n" }) -join "`n`n"))
        $Writer.WriteStartElement('dev', 'remarks', $NsDev)
        # The trailing empty paragraph keeps a blank line between examples in the console.
        Write-Paras $Writer (@($block.Paragraphs) + '')
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $NsCommand)
    $links = if ($sections.Contains('RELATED LINKS')) { $sections['RELATED LINKS'] | ForEach-Object Lines } else { @() }
    foreach ($line in $links) {
        if ($line -notmatch '\[([^\]]+)\]\(([^)]*)\)') { continue }
        $Writer.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $Writer.WriteElementString('maml', 'linkText', $NsMaml, $Matches[1])
        # A link to another help topic has no address; PowerShell shows the text.
        $Writer.WriteElementString('maml', 'uri', $NsMaml, $(if ($Matches[2] -match '^https?://') { $Matches[2] } else { '' }))
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function ConvertTo-AboutText {
    # about_*.md to the plain text Get-Help shows: headings upper-cased at the margin, body indented
    # by four and wrapped at 80 columns, code and tables kept as written.
    param([string]$Path)
    $out = [System.Collections.Generic.List[string]]::new()
    $paragraph = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    $flush = {
        if (-not $paragraph.Count) { return }
        $text = ConvertFrom-Inline (($paragraph -join ' ') -replace '\s+', ' ')
        $indent = '    '
        $hanging = if ($text -match '^([-*]|\d+\.) ') { $indent + (' ' * ($Matches[0].Length)) } else { $indent }
        $line = $indent
        foreach ($word in $text.Split(' ')) {
            if ($line.Trim() -and ($line.Length + 1 + $word.Length) -gt 80) { $out.Add($line.TrimEnd()); $line = $hanging }
            $line += $(if ($line.Trim()) { ' ' } else { '' }) + $word
        }
        $out.Add($line.TrimEnd())
        $paragraph.Clear()
    }
    foreach ($raw in Get-Content $Path) {
        if ($raw -match '^\s*```') { & $flush; $inFence = -not $inFence; continue }
        if ($inFence) { $out.Add(('    ' + $raw).TrimEnd()); continue }
        if ($raw -match '^# (.+)$') { & $flush; $out.Add('TOPIC'); $out.Add('    ' + $Matches[1].Trim()); continue }
        if ($raw -match '^#{2,} (.+)$') { & $flush; if ($out.Count -and $out[-1]) { $out.Add('') }; $out.Add((ConvertFrom-Inline $Matches[1]).ToUpperInvariant()); continue }
        if ($raw -match '^\s*\|') { & $flush; $out.Add(('    ' + (ConvertFrom-Inline $raw)).TrimEnd()); continue }
        if ($raw -match '^\s*$') { & $flush; if ($out.Count -and $out[-1]) { $out.Add('') }; continue }
        if ($raw -match '^\s*([-*]|\d+\.)\s') { & $flush }
        $paragraph.Add($raw.Trim())
    }
    & $flush
    ($out -join "`n").TrimEnd() + "`n"
}

$target = New-Item -ItemType Directory -Path (Join-Path $ModulePath 'en-US') -Force
$docs = @{}
foreach ($file in Get-ChildItem $DocsPath -Filter *.md | Where-Object Name -NotLike 'about_*') {
    $doc = ConvertFrom-HelpMarkdown $file.FullName
    $docs[$(if ($doc.Name) { $doc.Name } else { $file.BaseName })] = $doc
}

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$helpFile = Join-Path $target "$(Split-Path $module.RootModule -Leaf)-Help.xml"
$writer = [System.Xml.XmlWriter]::Create($helpFile, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
        if (-not $docs.ContainsKey($command.Name)) {
            Write-Warning "No help for $($command.Name): add $(Join-Path $DocsPath "$($command.Name).md")."
            continue
        }
        Write-Command $writer $command $docs[$command.Name]
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }

foreach ($about in Get-ChildItem $DocsPath -Filter 'about_*.md') {
    $text = ConvertTo-AboutText $about.FullName
    [System.IO.File]::WriteAllText((Join-Path $target "$($about.BaseName).help.txt"), $text, [System.Text.UTF8Encoding]::new($false))
}
Write-Verbose "Wrote help for $($docs.Count) cmdlets to $target"
