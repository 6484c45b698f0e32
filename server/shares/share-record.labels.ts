import type {
  Article6Basis,
  Article9Condition,
  ConsentParty,
  ConsentStatus,
  Exemption,
  InformationKind,
  LegalGateway,
  Schedule1Condition,
} from './share-record.enums';

/**
 * Words the consent picker shows for each value (GOV.UK style: sentence case, plain English,
 * the law in brackets for those who need it). Server messages quote these labels so that an
 * error names the option exactly as the person saw it. Typed as Record<Enum, …> so that a new
 * enum value does not compile until it has a label.
 */
export interface OptionText {
  label: string;
  help: string;
}

export const CONSENT_STATUS_TEXT: Record<ConsentStatus, OptionText> = {
  given: {
    label: 'Consent given',
    help: 'The child, young person, parent or carer agreed to this share — record who agreed and when.',
  },
  refused: {
    label: 'Consent refused',
    help: 'They said no and you are sharing anyway — you must name the exemption and say why it applies.',
  },
  not_sought: {
    label: 'Consent not sought',
    help: 'Only when asking would put a child at risk, cause harmful delay, or the law allows sharing without it — you must name the exemption.',
  },
};

export const CONSENT_PARTY_TEXT: Record<ConsentParty, OptionText> = {
  child: {
    label: 'The child',
    help: 'A child under 16 who understands what sharing means and can decide for themselves.',
  },
  young_person: {
    label: 'The young person',
    help: 'A young person aged 16 or 17, who can usually decide for themselves.',
  },
  parent: {
    label: 'A parent',
    help: 'A parent with parental responsibility, when the child cannot decide for themselves.',
  },
  carer: {
    label: 'A carer',
    help: 'Someone else with parental responsibility for the child, such as a special guardian — record their name.',
  },
};

export const EXEMPTION_TEXT: Record<Exemption, OptionText> = {
  risk_of_significant_harm: {
    label: 'Risk of significant harm',
    help: 'Waiting for consent, or respecting a refusal, would leave a child at risk of significant harm (Children Act 1989).',
  },
  prevention_or_detection_of_crime: {
    label: 'Prevention or detection of crime',
    help: 'Asking would prejudice preventing or detecting a crime, or catching or prosecuting an offender (DPA 2018 Schedule 2, para 2).',
  },
  emergency: {
    label: 'Emergency',
    help: 'There is no time to ask: someone’s life or safety is in immediate danger.',
  },
  seeking_consent_would_place_child_at_risk: {
    label: 'Asking would put a child at risk',
    help: 'Asking for consent would itself put a child at greater risk, for example by warning the person who may harm them.',
  },
  other_statutory_basis: {
    label: 'Another law allows it',
    help: 'A law not listed here requires or allows sharing without consent — name the Act and section.',
  },
};

export const INFORMATION_KIND_TEXT: Record<InformationKind, OptionText> = {
  identity_and_contact: {
    label: 'Identity and contact details',
    help: 'Name, date of birth, address, phone numbers and other contact details.',
  },
  education: {
    label: 'Education',
    help: 'School or setting, attendance, progress, exclusions, special educational needs.',
  },
  health: {
    label: 'Health',
    help: 'Physical or mental health, including health services the child receives. This is special-category data.',
  },
  family_and_household: {
    label: 'Family and household',
    help: 'Who the child lives with, relationships and home circumstances.',
  },
  safeguarding_concern: {
    label: 'Safeguarding concern',
    help: 'What has happened or might happen to the child, and why you are worried.',
  },
  offending_or_antisocial_behaviour: {
    label: 'Offending or antisocial behaviour',
    help: 'Offences, allegations, police involvement or antisocial behaviour. This is criminal offence data and needs a Schedule 1 condition.',
  },
  documents: {
    label: 'Documents',
    help: 'Files attached to the share (reports, plans, letters, photographs). Say in the purpose what they are.',
  },
  other: {
    label: 'Other',
    help: 'Something not listed here — describe it.',
  },
};

export const ARTICLE6_BASIS_TEXT: Record<Article6Basis, OptionText> = {
  consent: {
    label: 'Consent',
    help: 'Only when consent was freely given and can be withdrawn (UK GDPR Art 6(1)(a)). If you would share anyway, use public task instead.',
  },
  legal_obligation: {
    label: 'Legal obligation',
    help: 'A law or court order requires you to share (UK GDPR Art 6(1)(c)).',
  },
  vital_interests: {
    label: 'Vital interests',
    help: 'Sharing is needed to protect someone’s life and no other basis applies (UK GDPR Art 6(1)(d)).',
  },
  public_task: {
    label: 'Public task',
    help: 'Sharing is needed for your agency’s functions set out in law, such as safeguarding (UK GDPR Art 6(1)(e)). The usual basis for statutory agencies.',
  },
  legitimate_interests: {
    label: 'Legitimate interests',
    help: 'For agencies that are not public authorities, such as charities, when the need to share outweighs the child’s interests (UK GDPR Art 6(1)(f)).',
  },
};

export const ARTICLE9_CONDITION_TEXT: Record<Article9Condition, OptionText> = {
  explicit_consent: {
    label: 'Explicit consent',
    help: 'The person gave explicit consent to sharing this information (UK GDPR Art 9(2)(a)). Only when consent was given.',
  },
  social_protection: {
    label: 'Social protection',
    help: 'Needed for duties or rights under employment, social security or social protection law (UK GDPR Art 9(2)(b)). Needs Schedule 1 para 1.',
  },
  vital_interests: {
    label: 'Vital interests',
    help: 'Needed to protect someone’s life when they cannot give consent (UK GDPR Art 9(2)(c)).',
  },
  substantial_public_interest: {
    label: 'Substantial public interest',
    help: 'The usual condition for safeguarding (UK GDPR Art 9(2)(g)). Needs Schedule 1 para 18, 10 or 6.',
  },
  health_or_social_care: {
    label: 'Health or social care',
    help: 'For providing health or social care, by or under a health or social work professional (UK GDPR Art 9(2)(h)). Needs Schedule 1 para 2.',
  },
  public_health: {
    label: 'Public health',
    help: 'For public health, such as protecting against serious threats to health (UK GDPR Art 9(2)(i)). Needs Schedule 1 para 3.',
  },
  legal_claims: {
    label: 'Legal claims or courts',
    help: 'To bring or defend legal claims, or for a court acting as a court (UK GDPR Art 9(2)(f)).',
  },
};

export const SCHEDULE1_CONDITION_TEXT: Record<Schedule1Condition, OptionText> = {
  safeguarding_children_and_individuals_at_risk: {
    label: 'Safeguarding of children and individuals at risk',
    help: 'To protect a child or adult at risk from harm or neglect, when consent cannot be given, cannot reasonably be got, or asking would get in the way (DPA 2018 Schedule 1 para 18).',
  },
  preventing_or_detecting_unlawful_acts: {
    label: 'Preventing or detecting unlawful acts',
    help: 'To prevent or detect an unlawful act, when asking for consent would get in the way (DPA 2018 Schedule 1 para 10).',
  },
  statutory_and_government_purposes: {
    label: 'Statutory and government purposes',
    help: 'To carry out a function given to your agency by law (DPA 2018 Schedule 1 para 6).',
  },
  health_or_social_care_purposes: {
    label: 'Health or social care purposes',
    help: 'For health or social care, with the Article 9 condition ‘Health or social care’ (DPA 2018 Schedule 1 para 2).',
  },
  public_health: {
    label: 'Public health',
    help: 'For public health, with the Article 9 condition ‘Public health’ (DPA 2018 Schedule 1 para 3).',
  },
  social_protection: {
    label: 'Employment, social security and social protection',
    help: 'For duties or rights under social protection law, with the Article 9 condition ‘Social protection’ (DPA 2018 Schedule 1 para 1).',
  },
};

export const LEGAL_GATEWAY_TEXT: Record<LegalGateway, OptionText> = {
  children_act_2004_s10: {
    label: 'Children Act 2004 s.10',
    help: 'Agencies co-operating to improve the well-being of children in the area.',
  },
  children_act_2004_s11: {
    label: 'Children Act 2004 s.11',
    help: 'The duty on named agencies to safeguard and promote the welfare of children in their work.',
  },
  children_act_1989_s17: {
    label: 'Children Act 1989 s.17',
    help: 'Services for children in need, and assessing whether a child is in need.',
  },
  children_act_1989_s47: {
    label: 'Children Act 1989 s.47',
    help: 'Enquiries when there is reasonable cause to suspect a child is suffering, or likely to suffer, significant harm.',
  },
  crime_and_disorder_act_1998_s115: {
    label: 'Crime and Disorder Act 1998 s.115',
    help: 'A power (not a duty) to share with the police, councils, health and probation to reduce crime and disorder.',
  },
  education_act_2002_s175: {
    label: 'Education Act 2002 s.175',
    help: 'The duty on local authorities, maintained schools and further education colleges to safeguard and promote children’s welfare.',
  },
  other: {
    label: 'Another legal gateway',
    help: 'A power or duty not listed here — name the Act and section.',
  },
};
